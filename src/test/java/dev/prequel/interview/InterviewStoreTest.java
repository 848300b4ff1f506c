package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.interview.InterviewStore.LogLine;
import dev.prequel.store.Database;
import dev.prequel.store.SecretBox;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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

/** The interviews' table, on the embedded H2 and on PostgreSQL: the same answers from both. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class InterviewStoreTest {

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  /** A time finer than both databases keep: they store microseconds. */
  static final Instant FINE = Instant.parse("2026-03-02T09:00:00.123456789Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  InterviewStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    store = new InterviewStore(db.jdbi(), dev.prequel.testing.Secrets.randomBox());
  }

  @AfterEach
  void close() {
    db.close();
  }

  static Interview interview(String id, Status status, Instant created) {
    return new Interview(
        id,
        "Grace Hopper",
        "hello",
        status,
        "secret-" + id,
        null,
        created,
        created.plusSeconds(3600),
        created,
        created,
        null);
  }

  @Test
  void anInterviewReadsBackAsWrittenToTheMicrosecond() {
    // given an interview scheduled for a time with nanoseconds, and one with no scheduled time
    Interview scheduled =
        new Interview(
            "ist-a",
            "Grace Hopper ✓",
            "hello",
            Status.SCHEDULED,
            "p@ss'word\"",
            FINE.plusSeconds(600),
            FINE.plusSeconds(600),
            FINE.plusSeconds(4200),
            FINE,
            FINE,
            null);
    store.insert(scheduled);
    store.insert(interview("ist-b", Status.SCHEDULED, T0));
    // then each reads back the same, times to the microsecond (what both databases keep)
    Interview read = store.find("ist-a").orElseThrow();
    assertThat(read.candidateName()).isEqualTo("Grace Hopper ✓");
    assertThat(read.password()).isEqualTo("p@ss'word\"");
    assertThat(read.scheduledAt()).isEqualTo(Instant.parse("2026-03-02T09:10:00.123456Z"));
    assertThat(read.createdAt()).isEqualTo(Instant.parse("2026-03-02T09:00:00.123456Z"));
    assertThat(store.find("ist-b").orElseThrow().scheduledAt()).isNull();
    assertThat(store.find("ist-none")).isEmpty();
  }

  @Test
  void passwordsAreSealedAtRestAndPlainOnesFromOlderVersionsGetSealed() {
    // given one interview written now and one whose password an older version stored in plain
    store.insert(interview("ist-c", Status.ACTIVE, T0));
    store.insert(interview("ist-d", Status.ACTIVE, T0));
    db.jdbi()
        .useHandle(
            h -> h.execute("UPDATE interviews SET password = 'plain-old' WHERE id = 'ist-d'"));
    // when the plain ones are sealed
    assertThat(store.sealPlainPasswords()).isEqualTo(1);
    // then no password is readable in the table, and both still open
    List<String> stored =
        db.jdbi()
            .withHandle(
                h -> h.createQuery("SELECT password FROM interviews").mapTo(String.class).list());
    assertThat(stored).allSatisfy(p -> assertThat(p).startsWith(SecretBox.PREFIX));
    assertThat(store.find("ist-d").orElseThrow().password()).isEqualTo("plain-old");
    assertThat(store.sealPlainPasswords()).isZero();
  }

  @Test
  void listingByStatusGivesTheNewestFirst() {
    // given interviews created one minute apart in several statuses
    store.insert(interview("ist-1", Status.ACTIVE, T0));
    store.insert(interview("ist-2", Status.SCHEDULED, T0.plusSeconds(60)));
    store.insert(interview("ist-3", Status.ACTIVE, T0.plusSeconds(120)));
    store.insert(interview("ist-4", Status.DESTROYED, T0.plusSeconds(180)));
    // then a list of some statuses has only those, newest first
    assertThat(store.list(EnumSet.of(Status.ACTIVE, Status.SCHEDULED)))
        .extracting(Interview::id)
        .containsExactly("ist-3", "ist-2", "ist-1");
    assertThat(store.list(EnumSet.noneOf(Status.class))).isEmpty();
    assertThat(store.countByStatus())
        .isEqualTo(Map.of(Status.ACTIVE, 2, Status.SCHEDULED, 1, Status.DESTROYED, 1));
    assertThat(store.listUpdatedBefore(EnumSet.of(Status.ACTIVE), T0.plusSeconds(60)))
        .extracting(Interview::id)
        .containsExactly("ist-1");
  }

  @Test
  void ofActorsRacingToMoveOneInterviewExactlyOneWins() throws Exception {
    // given an active interview
    store.insert(interview("ist-race", Status.ACTIVE, T0));
    // when eight actors try to move it to destroying at once
    ExecutorService actors = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Boolean>> tries = new ArrayList<>();
      for (int n = 0; n < 8; n++) {
        tries.add(
            () ->
                store.compareAndSetStatus(
                    "ist-race", Status.ACTIVE, Status.DESTROYING, null, T0.plusSeconds(1)));
      }
      List<Boolean> won = new ArrayList<>();
      for (Future<Boolean> f : actors.invokeAll(tries)) {
        won.add(f.get());
      }
      // then exactly one made the change
      assertThat(won).containsOnlyOnce(true);
    } finally {
      actors.shutdownNow();
    }
    Interview after = store.find("ist-race").orElseThrow();
    assertThat(after.status()).isEqualTo(Status.DESTROYING);
    assertThat(after.updatedAt()).isEqualTo(T0.plusSeconds(1));
  }

  @Test
  void aMoveFromAStatusTheInterviewIsNotInChangesNothing() {
    store.insert(interview("ist-e", Status.SCHEDULED, T0));
    assertThat(store.compareAndSetStatus("ist-e", Status.ACTIVE, Status.ERROR, "x", T0)).isFalse();
    assertThat(store.compareAndSetStatus("ist-e", Status.SCHEDULED, Status.ERROR, "boom", T0))
        .isTrue();
    assertThat(store.find("ist-e").orElseThrow().errorReason()).isEqualTo("boom");
  }

  @Test
  void aNoteIsKeptOnlyWhileTheInterviewIsStillInItsStatus() {
    store.insert(interview("ist-f", Status.DESTROYING, T0));
    store.setNote("ist-f", Status.DESTROYING, "waiting for archive", T0.plusSeconds(5));
    store.setNote("ist-f", Status.ACTIVE, "stale", T0.plusSeconds(6));
    Interview read = store.find("ist-f").orElseThrow();
    assertThat(read.errorReason()).isEqualTo("waiting for archive");
    assertThat(read.updatedAt()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void anExtendedExpiryIsStored() {
    store.insert(interview("ist-g", Status.ACTIVE, T0));
    store.updateExpiry("ist-g", T0.plusSeconds(7200), T0.plusSeconds(10));
    assertThat(store.find("ist-g").orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(7200));
  }

  @Test
  void theArchiveStateIsSetListedAndCleared() {
    store.insert(interview("ist-h", Status.DESTROYING, T0));
    store.insert(interview("ist-i", Status.DESTROYING, T0));
    assertThat(store.archiveState("ist-h")).isEmpty();
    store.setArchiveState("ist-h", "waiting");
    assertThat(store.archiveState("ist-h")).hasValue("waiting");
    assertThat(store.listArchiveStates()).containsExactly("ist-h");
    store.setArchiveState("ist-h", null);
    assertThat(store.listArchiveStates()).isEmpty();
  }

  @Test
  void theLogKeepsItsOrderClipsLongLinesAndGoesWithTheInterview() {
    // given an interview with a log of three lines, one too long
    store.insert(interview("ist-log", Status.ACTIVE, T0));
    store.insert(interview("ist-other", Status.ACTIVE, T0));
    store.appendLog("ist-log", T0, "first");
    store.appendLog("ist-other", T0, "someone else's");
    store.appendLog("ist-log", T0, "second, same instant");
    store.appendLog("ist-log", T0.plusSeconds(1), "x".repeat(5000));
    // then it reads back in the order written, the long line clipped to 4000 characters
    List<LogLine> log = store.log("ist-log");
    assertThat(log)
        .extracting(LogLine::message)
        .startsWith("first", "second, same instant")
        .hasSize(3);
    assertThat(log.get(2).message()).hasSize(4000).endsWith("...");
    // when the interview is deleted, then its log goes with it and the other's stays
    store.delete("ist-log");
    assertThat(store.find("ist-log")).isEmpty();
    assertThat(store.log("ist-log")).isEmpty();
    assertThat(store.log("ist-other")).hasSize(1);
  }
}
