package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;
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
 * The live events of two replicas on one real PostgreSQL (two channels, as two Prequels have): what
 * one raises reaches the other in order, also across a lost connection, and old events go.
 */
class PostgresEventChannelTest {

  private final DatabaseSettings settings = PostgresServer.shared().newDatabase();
  private final Database db = Database.openPostgres(settings);
  private final SecretBox box = Secrets.randomBox();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
  private final List<AutoCloseable> opened = new CopyOnWriteArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
    db.close();
  }

  /** One replica's events, and what it received. */
  private final class Replica {
    final InterviewEvents events =
        new InterviewEvents(new PostgresEventChannel(db.jdbi(), settings, box, clock));
    final List<InterviewEvent> stream = new CopyOnWriteArrayList<>();
    final List<String> changes = new CopyOnWriteArrayList<>();

    Replica() {
      opened.add(events);
      events.subscribeStream(stream::add);
      events.subscribe(i -> changes.add(i.id() + ":" + i.status().wireName()));
    }

    List<String> streamed() {
      return stream.stream()
          .map(e -> e.interview().id() + ":" + e.interview().status().wireName())
          .toList();
    }
  }

  private Interview interview(String id, Status status) {
    Instant t = clock.instant();
    return new Interview(
        id,
        "pge Ada",
        "sql-sales-report",
        status,
        "pge-pw",
        null,
        t,
        t.plusSeconds(3600),
        t,
        t,
        null);
  }

  @Test
  void whatOneReplicaRaisesReachesBothStreamsInTheSameOrderWithItsPassword() {
    // given two replicas
    Replica a = new Replica();
    Replica b = new Replica();
    // when the first raises three changes
    a.events.publish(interview("pge1", Status.SCHEDULED));
    a.events.publish(interview("pge1", Status.CANCELLED));
    a.events.publish(interview("pge2", Status.INITIALIZING));
    // then both streams get them, in the order raised, with the same increasing ids
    List<String> raised = List.of("pge1:scheduled", "pge1:cancelled", "pge2:initializing");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> b.stream.size() == 3 && a.stream.size() == 3);
    assertThat(b.streamed()).isEqualTo(raised);
    assertThat(a.streamed()).isEqualTo(raised);
    assertThat(b.stream.stream().map(InterviewEvent::id))
        .isSorted()
        .doesNotHaveDuplicates()
        .isEqualTo(a.stream.stream().map(InterviewEvent::id).toList());
    assertThat(b.stream.get(0).interview().password()).isEqualTo("pge-pw");
    // and each replica's change listeners hear each change once: the raiser's while raising
    assertThat(a.changes).isEqualTo(raised);
    assertThat(b.changes).isEqualTo(raised);
    assertThat(a.stream).allMatch(InterviewEvent::local);
    assertThat(b.stream).noneMatch(InterviewEvent::local);
  }

  @Test
  void eventsRaisedWhileAReplicasListeningConnectionIsCutArriveWhenItReconnects() {
    // given two replicas that exchanged one event
    Replica a = new Replica();
    Replica b = new Replica();
    a.events.publish(interview("pge3", Status.SCHEDULED));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.stream.size() == 1);
    // when the server cuts every listening connection (a restart, a proxy's idle timeout) and
    // events are raised before the listeners are back
    int cut =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery(
                            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                + " WHERE application_name = 'prequel-events'"
                                // other test classes' replicas share the server, not the database
                                + " AND datname = current_database()")
                        .mapTo(Integer.class)
                        .one());
    assertThat(cut).isEqualTo(2);
    a.events.publish(interview("pge3", Status.CANCELLED));
    a.events.publish(interview("pge4", Status.SCHEDULED));
    // then both get them, once each, in order
    await().atMost(Duration.ofSeconds(15)).until(() -> b.stream.size() == 3);
    assertThat(b.streamed()).containsExactly("pge3:scheduled", "pge3:cancelled", "pge4:scheduled");
    await().atMost(Duration.ofSeconds(15)).until(() -> a.stream.size() == 3);
    assertThat(a.streamed()).isEqualTo(b.streamed());
  }

  @Test
  void aStreamThatReconnectsGetsTheEventsAfterItsLastIdUntilTheyAreAnHourOld() {
    // given events raised through one replica
    Replica a = new Replica();
    a.events.publish(interview("pge5", Status.SCHEDULED));
    a.events.publish(interview("pge5", Status.CANCELLED));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.stream.size() == 2);
    long first = a.stream.get(0).id();
    // then another replica gives a stream that saw the first the events after it
    Replica b = new Replica();
    assertThat(b.events.since(first, 100))
        .extracting(e -> e.interview().status())
        .containsExactly(Status.CANCELLED);
    // when more than an hour passes, then they are gone
    clock.advance(Duration.ofMinutes(61));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.events.since(0, 100).isEmpty());
  }
}
