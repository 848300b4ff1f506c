package dev.prequel.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.store.Database;
import dev.prequel.testing.FakeRuntime;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Warm pools of several replicas on one runtime that all of them see (as Docker or Kubernetes is),
 * with the spares' owners in the database (H2 and PostgreSQL): each keeps, hands out and removes
 * its own spares only, a spare goes to one interview only, and a dead replica's spares are taken
 * over.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class SharedRuntimePoolsTest {

  static final Duration STALE = Duration.ofMinutes(1);

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T11:30:00Z"));
  final FakeRuntime runtime = new FakeRuntime(Clock.systemUTC());
  final List<WarmPool> pools = new ArrayList<>();

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    runtime.offersSpares = true;
  }

  @AfterEach
  void close() {
    pools.forEach(p -> p.stop(false));
    db.close();
  }

  private DatabaseSpareOwners owners(String replica) {
    return new DatabaseSpareOwners(db.jdbi(), replica, clock, STALE);
  }

  private WarmPool pool(String replica) {
    return pool(replica, w -> true);
  }

  private WarmPool pool(String replica, java.util.function.Predicate<Workspace> answers) {
    WarmPool p = new WarmPool(runtime, 2, answers, Duration.ofSeconds(5), owners(replica));
    pools.add(p);
    p.start();
    return p;
  }

  @Test
  void eachReplicasPoolKeepsAndRemovesItsOwnSparesOnly() {
    // given replica a's pool full
    WarmPool a = pool("spa-a");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.idle() == 2);
    Set<String> ofA = new HashSet<>(runtime.spares());
    // when replica b starts its pool on the same runtime
    WarmPool b = pool("spa-b");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.idle() == 2);
    // then b started two of its own and left a's alone
    assertThat(runtime.spares()).hasSize(4).containsAll(ofA);
    assertThat(a.idle()).isEqualTo(2);
    // when a stops and removes its spares, then b's are still there
    a.stop(true);
    assertThat(runtime.spares()).hasSize(2).doesNotContainAnyElementsOf(ofA);
    assertThat(b.idle()).isEqualTo(2);
  }

  @Test
  void aReplicaStartingWhileAnotherStartsASpareLeavesThatSpareAlone() {
    // given replica j's pool starting its first spare, which does not answer yet
    CountDownLatch answering = new CountDownLatch(1);
    WarmPool j = pool("spa-j", w -> answering.getCount() == 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> runtime.spares().size() == 1);
    String inTheMaking = runtime.spares().get(0);
    // when replica k's pool starts on the same runtime meanwhile, and fills up
    WarmPool k = pool("spa-k");
    await().atMost(Duration.ofSeconds(10)).until(() -> k.idle() == 2);
    // then k neither took j's spare nor removed it, and j's pool fills up with it
    assertThat(runtime.spares()).contains(inTheMaking);
    answering.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> j.idle() == 2);
    assertThat(runtime.spares()).hasSize(4).contains(inTheMaking);
    assertThat(k.idle()).isEqualTo(2);
  }

  @Test
  void interviewsThroughBothReplicasEachGetASpareOfTheirOwn() throws Exception {
    // given two replicas' pools full
    WarmPool a = pool("spa-c");
    WarmPool b = pool("spa-d");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.idle() == 2 && b.idle() == 2);
    // when four interviews take spares, two through each
    for (int n = 0; n < 4; n++) {
      assertThat((n % 2 == 0 ? a : b).claimFor(new WorkspaceSpec("spi" + n), line -> {})).isTrue();
    }
    // then each runs in a workspace of its own
    assertThat(runtime.list()).extracting(w -> w.interviewId()).hasSize(4).doesNotHaveDuplicates();
  }

  @Test
  void aSpareIsHandedOverOnceAndADeadReplicasSparesAreTakenOver() {
    // given a spare recorded as replica e's
    DatabaseSpareOwners e = owners("spa-e");
    DatabaseSpareOwners f = owners("spa-f");
    assertThat(e.take("spare-sp1")).isTrue();
    // then f cannot take it or hand it over, and e hands it over once only
    assertThat(f.take("spare-sp1")).isFalse();
    assertThat(f.handOver("spare-sp1")).isFalse();
    assertThat(e.handOver("spare-sp1")).isTrue();
    assertThat(e.handOver("spare-sp1")).isFalse();
    assertThat(e.take("spare-sp1")).as("being handed over").isFalse();
    // when e stops being seen for longer than STALE while f carries on
    f.stillHere();
    clock.advance(STALE.plusSeconds(1));
    // then f takes e's spare over
    assertThat(f.take("spare-sp1")).isTrue();
    assertThat(e.handOver("spare-sp1")).isFalse();
  }

  @Test
  void aPoolStartingAfterAReplicaDiedTakesItsSparesBack() {
    // given replica g's pool full, then g gone without removing them (SIGKILL)
    WarmPool g = pool("spa-g");
    await().atMost(Duration.ofSeconds(10)).until(() -> g.idle() == 2);
    g.stop(false);
    pools.remove(g);
    Set<String> ofG = new HashSet<>(runtime.spares());
    // when a new replica's pool starts before g's spares are stale, then it leaves them be
    WarmPool h = pool("spa-h");
    await().atMost(Duration.ofSeconds(10)).until(() -> h.idle() == 2);
    assertThat(runtime.spares()).hasSize(4).containsAll(ofG);
    // when a minute passes and another replica's pool starts, then it takes g's spares back
    clock.advance(STALE.plusSeconds(1));
    h.maintain(); // h is still seen
    WarmPool i = pool("spa-i");
    await().atMost(Duration.ofSeconds(10)).until(() -> i.idle() == 2);
    assertThat(runtime.spares()).hasSize(4).containsAll(ofG);
  }
}
