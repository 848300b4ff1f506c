package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.Database;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.Secrets;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two replicas ({@code a}, {@code b}) sharing one database hand interviews to each other through
 * leases, on H2 and on PostgreSQL. Time is a test clock; each heartbeat is called by the test.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class LeasesTest {

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final Duration LEASE = Leases.DEFAULT_LEASE;

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  InterviewStore store;
  final MutableClock clock = new MutableClock(T0);
  Leases a;
  Leases b;
  final List<String> wokenOnA = new CopyOnWriteArrayList<>();
  final List<String> wokenOnB = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    store = new InterviewStore(db.jdbi(), Secrets.randomBox());
    a = replica("pgo-replica-a", wokenOnA);
    b = replica("pgo-replica-b", wokenOnB);
  }

  /** A replica whose heartbeat the test calls ({@link Leases#tick}); nothing runs on its own. */
  private Leases replica(String name, List<String> woken) {
    Leases l = new Leases(db.jdbi(), name, clock, LEASE);
    l.onWake(woken::add);
    return l;
  }

  @AfterEach
  void close() {
    db.close();
  }

  private void interview(String id, Status status) {
    store.insert(
        new Interview(
            id, "Ada", "hello", status, "pw-" + id, null, T0, T0.plusSeconds(3600), T0, T0, null));
  }

  /** Both replicas beat once, {@code a} first, then the clock moves on by a heartbeat. */
  private void beat(Leases... replicas) {
    for (Leases r : replicas) {
      r.tick();
    }
    clock.advance(Leases.HEARTBEAT);
  }

  @Test
  void anInterviewHasOneOwnerWhileItsOwnerRenews() {
    // given an interview that replica a took
    interview("pgo-own1", Status.ACTIVE);
    assertThat(a.acquire("pgo-own1")).isTrue();
    // when both beat for a minute
    for (int s = 0; s < 60; s++) {
      beat(a, b);
      // then b never gets it, and a holds it throughout
      assertThat(b.acquire("pgo-own1")).isFalse();
      assertThat(a.holds("pgo-own1")).isTrue();
    }
    assertThat(b.ownedElsewhere()).containsExactly("pgo-own1");
    assertThat(a.ownedElsewhere()).isEmpty();
    assertThat(wokenOnB).isEmpty();
  }

  @Test
  void aDeadReplicasInterviewsAreTakenWithinFiveSecondsOfItsLastHeartbeat() {
    // given three live interviews and an ended one on replica a, which then dies after a beat
    for (String id : List.of("pgo-dead1", "pgo-dead2", "pgo-dead3")) {
      interview(id, Status.ACTIVE);
      assertThat(a.acquire(id)).isTrue();
    }
    a.tick();
    Instant lastHeartbeat = clock.instant();
    // when b keeps beating every second
    Instant taken = null;
    for (int s = 0; s < 10 && taken == null; s++) {
      clock.advance(Leases.HEARTBEAT);
      b.tick();
      if (wokenOnB.size() == 3) {
        taken = clock.instant();
      }
    }
    // then b took all three, after a's lease ran out and within five seconds of its last beat
    assertThat(wokenOnB).containsExactlyInAnyOrder("pgo-dead1", "pgo-dead2", "pgo-dead3");
    assertThat(taken).isAfter(lastHeartbeat.plus(LEASE));
    assertThat(Duration.between(lastHeartbeat, taken)).isLessThanOrEqualTo(Duration.ofSeconds(5));
    // and a, had it only been paused, no longer acts on them, nor gets them back
    assertThat(a.holds("pgo-dead1")).isFalse();
    a.tick();
    assertThat(a.acquire("pgo-dead1")).isFalse();
    assertThat(wokenOnA).isEmpty();
  }

  @Test
  void anOwnerThatCannotRenewStopsActingBeforeAnotherReplicaMayTakeOver() {
    // given an interview a holds, renewed at T0
    interview("pgo-gap1", Status.CONFIGURING);
    assertThat(a.acquire("pgo-gap1")).isTrue();
    a.tick();
    // when a cannot renew (the database out of reach) until just before the lease ends
    clock.advance(LEASE.minus(Leases.SKEW));
    // then a has stopped acting on it, while b still may not take it
    assertThat(a.holds("pgo-gap1")).isFalse();
    assertThat(b.acquire("pgo-gap1")).isFalse();
    // and once the lease is over, b may
    clock.advance(Leases.SKEW.plusMillis(1));
    assertThat(b.acquire("pgo-gap1")).isTrue();
  }

  @Test
  void anOwnerThatRenewsAgainAfterAnOutageLooksAgainAtWhatItStillHolds() {
    // given two interviews a holds, and an outage longer than the lease during which b took one
    interview("pgo-back1", Status.ACTIVE);
    interview("pgo-back2", Status.ACTIVE);
    assertThat(a.acquire("pgo-back1")).isTrue();
    assertThat(a.acquire("pgo-back2")).isTrue();
    a.tick();
    wokenOnA.clear();
    clock.advance(LEASE.plusSeconds(2));
    assertThat(b.acquire("pgo-back2")).isTrue();
    // when a renews again
    a.tick();
    // then it wakes the one it kept, and holds only that one
    assertThat(wokenOnA).containsExactly("pgo-back1");
    assertThat(a.holds("pgo-back1")).isTrue();
    assertThat(a.holds("pgo-back2")).isFalse();
  }

  @Test
  void aNudgeFromAnotherReplicaReachesTheOwnerAtItsNextHeartbeatOnce() {
    // given an interview a holds
    interview("pgo-nudge1", Status.ACTIVE);
    assertThat(a.acquire("pgo-nudge1")).isTrue();
    a.tick();
    wokenOnA.clear();
    // when b is asked to look at it (an interviewer's destroy through b) and nudges the owner
    b.nudgeOwner("pgo-nudge1");
    beat(a);
    beat(a);
    // then a was woken for it once
    assertThat(wokenOnA).containsExactly("pgo-nudge1");
  }

  @Test
  void endedInterviewsNeedNoOwnerAndAReleasedOneIsFreeAtOnce() {
    // given an ended interview nobody holds, and a live one a released
    interview("pgo-end1", Status.DESTROYED);
    interview("pgo-end2", Status.ACTIVE);
    assertThat(a.acquire("pgo-end2")).isTrue();
    a.release("pgo-end2");
    // when b beats
    b.tick();
    // then it took the live one only
    assertThat(wokenOnB).containsExactly("pgo-end2");
  }

  @Test
  void aDeadReplicasLeaseOnAnEndedInterviewIsForgotten() {
    // given a replica that died holding the lease of an interview that had just ended
    interview("pgo-gone1", Status.DESTROYED);
    assertThat(a.acquire("pgo-gone1")).isTrue();
    a.tick();
    // when b beats after a's lease ran out
    clock.advance(LEASE.plusSeconds(1));
    b.tick();
    // then nobody took it, and no lease is left of it
    assertThat(wokenOnB).isEmpty();
    assertThat(b.ownedElsewhere()).isEmpty();
    int left =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT count(*) FROM interview_leases")
                        .mapTo(Integer.class)
                        .one());
    assertThat(left).isZero();
  }

  @Test
  void aReplicaThatStopsGivesItsInterviewsUpAtOnce() {
    // given an interview a holds
    interview("pgo-stop1", Status.SCHEDULED);
    assertThat(a.acquire("pgo-stop1")).isTrue();
    a.tick();
    // when a stops, and b beats without the clock moving
    a.close();
    b.tick();
    // then b has it
    assertThat(wokenOnB).containsExactly("pgo-stop1");
  }

  @Test
  void twoReplicasRacingForTheSameInterviewsNeverBothGetOne() throws Exception {
    // given 40 interviews nobody holds
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < 40; n++) {
      ids.add("pgo-race" + n);
      interview("pgo-race" + n, Status.INITIALIZING);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 2; round++) {
        // when both claim each at the same time (round 1: a lease that just expired)
        List<Future<Boolean>> byA = new ArrayList<>();
        List<Future<Boolean>> byB = new ArrayList<>();
        for (String id : ids) {
          byA.add(pool.submit((Callable<Boolean>) () -> a.acquire(id)));
          byB.add(pool.submit((Callable<Boolean>) () -> b.acquire(id)));
        }
        // then each has exactly one owner
        for (int n = 0; n < ids.size(); n++) {
          assertThat(byA.get(n).get() ^ byB.get(n).get()).as(ids.get(n)).isTrue();
        }
        clock.advance(LEASE.plusSeconds(1)); // nobody renews: all free again
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
