package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.store.SecretBox;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.Secrets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A transition and its event on a real PostgreSQL commit together or not at all: a replica that
 * dies right after the commit has already shared the event, and one that dies before it leaves
 * neither the new status nor an event behind.
 */
class TransitionEventsTest {

  private final DatabaseSettings settings = PostgresServer.shared().newDatabase();
  private final Database db = Database.openPostgres(settings);
  private final SecretBox box = Secrets.randomBox();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final InterviewStore store = new InterviewStore(db.jdbi(), box);
  private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    db.close();
  }

  private InterviewEvents replica(List<InterviewEvent> stream) {
    InterviewEvents events =
        new InterviewEvents(new PostgresEventChannel(db.jdbi(), settings, box, clock));
    opened.add(events);
    events.subscribeStream(stream::add);
    return events;
  }

  private Interview created(String id) {
    Instant t = clock.instant();
    Interview i =
        new Interview(
            id,
            "tev Ada",
            "hello",
            Status.SCHEDULED,
            "tev-pw",
            t,
            t,
            t.plusSeconds(3600),
            t,
            t,
            null);
    store.insert(i);
    return i;
  }

  private int eventRows(String id) {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT COUNT(*) FROM interview_events WHERE interview_id = :id")
                    .bind("id", id)
                    .mapTo(Integer.class)
                    .one());
  }

  @Test
  void aTransitionCommittedByAReplicaThatDiesAtOnceStillReachesTheOtherReplicasStream() {
    // given two replicas listening, and an interview
    List<InterviewEvent> dying = new CopyOnWriteArrayList<>();
    List<InterviewEvent> survivor = new CopyOnWriteArrayList<>();
    InterviewEvents a = replica(dying);
    replica(survivor);
    created("tev1");
    // when the first records a transition and vanishes right after the commit, before anything
    // in its memory runs (no recorded(), its channel closed: as after SIGKILL)
    var recorded =
        store.transition(
            "tev1",
            Status.SCHEDULED,
            Status.INITIALIZING,
            null,
            clock.instant(),
            "scheduled → initializing",
            a.writer());
    a.close();
    // then the other replica's stream gets the transition, once, with its status
    assertThat(recorded).isPresent();
    await().atMost(Duration.ofSeconds(10)).until(() -> survivor.size() == 1);
    assertThat(survivor.get(0).interview().id()).isEqualTo("tev1");
    assertThat(survivor.get(0).interview().status()).isEqualTo(Status.INITIALIZING);
    assertThat(survivor.get(0).interview().password()).isEqualTo("tev-pw");
    assertThat(eventRows("tev1")).isEqualTo(1);
    // and the log line was committed with it
    assertThat(store.log("tev1"))
        .extracting(InterviewStore.LogLine::message)
        .containsExactly("scheduled → initializing");
  }

  @Test
  void aReplicaKilledBeforeItsTransitionCommitsLeavesNeitherTheStatusNorTheEvent() {
    // given an interview, and a replica whose connection dies after it wrote the event but before
    // the commit (the server ends its session, as when the process is killed)
    List<InterviewEvent> stream = new CopyOnWriteArrayList<>();
    InterviewEvents a = replica(stream);
    created("tev2");
    EventWriter writer = a.writer();
    // when it records a transition
    assertThatThrownBy(
            () ->
                store.transition(
                    "tev2",
                    Status.SCHEDULED,
                    Status.INITIALIZING,
                    null,
                    clock.instant(),
                    "scheduled → initializing",
                    (h, recorded) -> {
                      writer.write(h, recorded);
                      h.createQuery("SELECT pg_terminate_backend(pg_backend_pid())")
                          .mapTo(Boolean.class)
                          .one();
                    }))
        .isInstanceOf(RuntimeException.class);
    // then the interview is still scheduled, with no event and no log line
    assertThat(store.find("tev2").orElseThrow().status()).isEqualTo(Status.SCHEDULED);
    assertThat(eventRows("tev2")).isZero();
    assertThat(store.log("tev2")).isEmpty();
    // and the transition done again is one event, the one the stream gets
    assertThat(
            store.transition(
                "tev2",
                Status.SCHEDULED,
                Status.INITIALIZING,
                null,
                clock.instant(),
                "scheduled → initializing",
                writer))
        .isPresent();
    await().atMost(Duration.ofSeconds(10)).until(() -> stream.size() == 1);
    assertThat(eventRows("tev2")).isEqualTo(1);
  }

  @Test
  void aTransitionThatLosesTheRaceWritesNoEvent() {
    // given an interview already moved on by another replica
    List<InterviewEvent> stream = new CopyOnWriteArrayList<>();
    InterviewEvents a = replica(stream);
    created("tev3");
    assertThat(
            store.compareAndSetStatus(
                "tev3", Status.SCHEDULED, Status.CANCELLED, null, clock.instant()))
        .isTrue();
    // when this replica tries the transition it believed was next
    var recorded =
        store.transition(
            "tev3",
            Status.SCHEDULED,
            Status.INITIALIZING,
            null,
            clock.instant(),
            "scheduled → initializing",
            a.writer());
    // then nothing is recorded: no event, no log line
    assertThat(recorded).isEmpty();
    assertThat(eventRows("tev3")).isZero();
    assertThat(store.log("tev3")).isEmpty();
  }
}
