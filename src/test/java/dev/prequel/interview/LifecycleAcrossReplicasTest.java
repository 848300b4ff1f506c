package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.store.Database;
import dev.prequel.testing.LifecycleHarness;
import dev.prequel.testing.ManualTimers;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two replicas' lifecycles over one database and one runtime, on H2 and PostgreSQL: replica a is
 * the harness's own lifecycle, replica b a second one with timers of its own. Time is the test's.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class LifecycleAcrossReplicasTest {

  @Parameter Database.Kind kind;
  @TempDir Path data;
  LifecycleHarness h;

  @BeforeEach
  void setUp() {
    h = new LifecycleHarness(data, TestDatabases.open(kind, data));
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  /** How many times each transition ("active → destroying") is in the interview's log. */
  private Map<String, Long> transitions(String id) {
    return h.store.log(id).stream()
        .map(InterviewStore.LogLine::message)
        .filter(m -> m.contains(" → "))
        .map(m -> m.contains(":") ? m.substring(0, m.indexOf(':')) : m)
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  private Instant loggedAt(String id, String transition) {
    return h.store.log(id).stream()
        .filter(l -> l.message().startsWith(transition))
        .findFirst()
        .orElseThrow(() -> new AssertionError(id + " never logged " + transition))
        .at();
  }

  @Test
  void aKilledReplicasInterviewExpiresOnAnotherReplicaWithinTheLease() {
    // given replica a, on leases, runs an interview to active; replica b beats beside it
    Leases leasesA = new Leases(h.db.jdbi(), "pgo-a", h.clock, Leases.DEFAULT_LEASE);
    Leases leasesB = new Leases(h.db.jdbi(), "pgo-b", h.clock, Leases.DEFAULT_LEASE);
    h.ownership = leasesA;
    h.restart();
    leasesA.onWake(h.lifecycle::request);
    ManualTimers timersB = new ManualTimers(h.clock);
    Lifecycle b = h.replica(leasesB, timersB, Runnable::run);
    leasesB.onWake(b::request);
    Interview i = h.interviews.create(new NewInterview("Ada", "sql-sales-report", 30, null));
    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    leasesA.tick();
    leasesB.tick();
    assertThat(leasesB.ownedElsewhere()).containsExactly(i.id());
    // and b, asked about it meanwhile, leaves it to a
    b.request(i.id());
    assertThat(timersB.dueAt(i.id())).isEmpty();
    // when a is killed two seconds before the interview expires (it beats no more, its timers die)
    h.clock.advance(Duration.between(h.clock.instant(), i.expiresAt().minusSeconds(2)));
    leasesA.tick();
    for (int tenths = 0; tenths < 100; tenths++) {
      h.clock.advance(Duration.ofMillis(100));
      timersB.advance(Duration.ZERO);
      if (tenths % 10 == 9) {
        leasesB.tick();
      }
    }
    // then b took it over and destroyed it, late by less than the five seconds of the window
    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    Duration late = Duration.between(i.expiresAt(), loggedAt(i.id(), "active → destroying"));
    assertThat(late).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(5));
    assertThat(h.runtime.running).doesNotContainKey(i.id());
    assertThat(transitions(i.id())).allSatisfy((t, n) -> assertThat(n).as(t).isEqualTo(1));
  }

  @Test
  void noTransitionIsDoneTwiceWhenTwoReplicasBothBelieveTheyOwnEveryInterview() throws Exception {
    // given two replicas that each think they own everything, on worker pools of their own
    ExecutorService poolA = Executors.newFixedThreadPool(4);
    ExecutorService poolB = Executors.newFixedThreadPool(4);
    try {
      h.workers = poolA;
      h.restart();
      ManualTimers timersB = new ManualTimers(h.clock);
      Lifecycle b = h.replica(Ownership.single(), timersB, poolB);
      List<String> ids = new ArrayList<>();
      for (int n = 0; n < 20; n++) {
        ids.add(
            h.interviews.create(new NewInterview("Ada " + n, "sql-sales-report", 30, null)).id());
      }
      // when both work on all of them at once, to active and, after the expiry, to the end
      ids.forEach(b::request);
      await().until(() -> ids.stream().allMatch(id -> h.get(id).status() == ACTIVE));
      h.clock.advance(Duration.ofMinutes(31));
      ids.forEach(
          id -> {
            h.lifecycle.request(id);
            b.request(id);
          });
      await().until(() -> ids.stream().allMatch(id -> h.get(id).status() == DESTROYED));
      // then each transition of each interview was recorded once, and no workspace is left
      for (String id : ids) {
        assertThat(transitions(id))
            .as(id)
            .containsOnlyKeys(
                "initializing → configuring",
                "configuring → active",
                "active → destroying",
                "destroying → destroyed")
            .allSatisfy((t, n) -> assertThat(n).as(id + " " + t).isEqualTo(1));
      }
      await().until(() -> h.runtime.running.isEmpty());
    } finally {
      poolA.shutdownNow();
      poolB.shutdownNow();
    }
  }
}
