package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.Database;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The take-homes' table (V9_1), on the embedded H2 and on PostgreSQL: the same answers. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class TakeHomeStoreTest {

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  InterviewStore interviews;
  TakeHomeStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    interviews = new InterviewStore(db.jdbi(), dev.prequel.testing.Secrets.randomBox());
    store = new TakeHomeStore(db.jdbi());
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** An invited take-home whose window ends at {@code windowEnd}. */
  private void invite(String id, Instant windowEnd) {
    interviews.insert(
        new Interview(
            id,
            "Ada",
            "hello",
            Status.INVITED,
            "pw-" + id,
            null,
            InterviewStoreTest.T0,
            windowEnd,
            InterviewStoreTest.T0,
            InterviewStoreTest.T0,
            null));
    store.insert(new TakeHome(id, 90, windowEnd, null, null));
  }

  @Test
  void aTakeHomeReadsBackAsWrittenToTheMicrosecondAndTheLatestWindowIsListedFirst() {
    Instant fine = InterviewStoreTest.FINE.plus(Duration.ofDays(7));
    invite("ths-a", fine);
    invite("ths-b", fine.plus(Duration.ofDays(1)));

    assertThat(store.find("ths-a"))
        .contains(new TakeHome("ths-a", 90, fine.minusNanos(789), null, null));
    assertThat(store.find("ths-none")).isEmpty();
    assertThat(store.list()).extracting(TakeHome::interviewId).containsExactly("ths-b", "ths-a");
  }

  @Test
  void startWinsOnceWhileTheWindowIsOpenAndMovesTheInterviewsTime() {
    Instant windowEnd = InterviewStoreTest.T0.plus(Duration.ofDays(7));
    invite("ths-c", windowEnd);
    invite("ths-d", windowEnd);
    Instant at = InterviewStoreTest.T0.plus(Duration.ofDays(1));
    Instant end = at.plus(Duration.ofMinutes(90));

    // two presses of Start: the first wins
    assertThat(store.start("ths-c", at, end, h -> {})).isTrue();
    assertThat(store.start("ths-c", at.plusSeconds(1), end.plusSeconds(1), h -> {})).isFalse();
    // after the window's end nothing starts
    assertThat(store.start("ths-d", windowEnd, windowEnd.plusSeconds(60), h -> {})).isFalse();

    Interview started = interviews.find("ths-c").orElseThrow();
    assertThat(started.status()).isEqualTo(Status.INITIALIZING);
    assertThat(started.startsAt()).isEqualTo(at);
    assertThat(started.expiresAt()).isEqualTo(end);
    assertThat(store.find("ths-c").orElseThrow().startedAt()).isEqualTo(at);
    assertThat(interviews.find("ths-d").orElseThrow().status()).isEqualTo(Status.INVITED);
    assertThat(store.find("ths-d").orElseThrow().startedAt()).isNull();
  }

  @Test
  void theFirstSubmitCountsAndTheTakeHomeGoesWithItsInterview() {
    invite("ths-e", InterviewStoreTest.T0.plus(Duration.ofDays(7)));
    Instant first = InterviewStoreTest.T0.plus(Duration.ofHours(2));

    store.markSubmitted("ths-e", first);
    store.markSubmitted("ths-e", first.plusSeconds(30));

    assertThat(store.find("ths-e").orElseThrow().submittedAt()).isEqualTo(first);
    interviews.delete("ths-e");
    assertThat(store.find("ths-e")).isEmpty();
  }
}
