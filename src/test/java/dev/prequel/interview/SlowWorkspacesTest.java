package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime that is slow to start workspaces (a pod waiting to be scheduled, an image pull) must
 * not hold up other interviews: waiting for a workspace to answer costs a probe now and then, not
 * one of the 8 workers. The clock is the test's; the workers are real threads, as in production.
 *
 * <p>Slow (a minute on a busy machine: 200 interviews through a real database and archive), so it
 * runs in the full suite and not in {@code ./prequel test --quick}.
 */
@Tag("slow")
class SlowWorkspacesTest {

  private static final Duration STARTUP = Duration.ofSeconds(30);

  @TempDir Path data;
  LifecycleHarness h;
  ExecutorService workers;

  @BeforeEach
  void setUp() {
    h = new LifecycleHarness(data);
    workers = Executors.newFixedThreadPool(8);
    h.workers = workers;
    h.readyTimeout = Duration.ofSeconds(60);
    h.restart();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    workers.shutdownNow();
    workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    h.close();
  }

  private Interview create(String challenge, int minutes) {
    return h.interviews.create(new NewInterview("Ada", challenge, minutes, null));
  }

  private long countIn(Status status) {
    return h.store.list(EnumSet.of(status)).size();
  }

  @Test
  void twoHundredWorkspacesTakingThirtySecondsToStartDelayNoOtherInterviewsExpiry() {
    // given an interview that is active, and one scheduled to start in a minute
    Interview active = create("sql-sales-report", 30);
    await().atMost(Duration.ofSeconds(10)).until(() -> h.get(active.id()).status() == ACTIVE);
    h.timers.advance(Duration.ofMinutes(30).minusSeconds(10));
    Interview scheduled =
        h.interviews.create(
            new NewInterview(
                "Grace",
                "sql-sales-report",
                30,
                h.clock.instant().plus(LifecycleHarness.LEAD).plusSeconds(5)));

    // when 200 interviews start on a runtime whose workspaces take 30 s to answer
    h.runtime.startupTime = STARTUP;
    List<Interview> slow = new ArrayList<>();
    for (int n = 0; n < 200; n++) {
      slow.add(create("python-pandas-cleaning", 60));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> countIn(CONFIGURING) == 200 && h.runtime.running.size() == 201);

    // then the active interview still ends at its expiry, 10 s later, and the scheduled one starts
    // at its provisioning time, while the 200 are still waiting for their workspaces
    h.timers.advance(Duration.ofSeconds(10));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(h.get(active.id()).status()).isEqualTo(DESTROYED));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(h.get(scheduled.id()).status()).isIn(CONFIGURING, ACTIVE));
    assertThat(countIn(CONFIGURING)).isGreaterThanOrEqualTo(200);
    assertThat(h.runtime.answers(slow.get(0).id())).isFalse();

    // and once their 30 s have passed, all of them become active
    h.timers.advance(STARTUP);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              h.timers.advance(Duration.ofMillis(100)); // the probes' timers fire as time passes
              return slow.stream().allMatch(i -> h.get(i.id()).status() == ACTIVE);
            });
    assertThat(h.get(scheduled.id()).status()).isEqualTo(ACTIVE);
  }
}
