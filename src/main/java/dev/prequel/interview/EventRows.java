package dev.prequel.interview;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.prequel.store.SecretBox;
import dev.prequel.store.Times;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * The {@code interview_events} table on PostgreSQL: events in the order of their ids, which are
 * handed out in commit order (see {@link #append}).
 */
final class EventRows {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EventRows.class);

  /** NOTIFY channel: a payload-less wake-up, the rows carry the events. */
  static final String CHANNEL = "prequel_events";

  /**
   * The advisory lock appends hold until they commit. Without it, a transaction that took id 7
   * could commit after one that took id 8, and a replica that already read 8 would never read 7.
   */
  private static final long APPEND_LOCK = 0x7072657175656c01L; // "prequel" 01

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          // A replica of a newer version may add fields: an older one reads what it knows.
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Jdbi jdbi;
  private final SecretBox box;
  private final String origin;

  EventRows(Jdbi jdbi, SecretBox box, String origin) {
    this.jdbi = jdbi;
    this.box = box;
    this.origin = origin;
  }

  /** Appends this replica's events in one transaction and wakes every replica's listener. */
  void append(List<Interview> events, Instant now) {
    jdbi.useTransaction(h -> appendIn(h, events, now));
  }

  /**
   * Appends events inside the caller's transaction (a status change and its event commit together).
   * The advisory lock is held until that transaction ends, so ids stay in commit order; the NOTIFY
   * is delivered by PostgreSQL at the commit, and not at all on a rollback.
   */
  void appendIn(Handle h, List<Interview> events, Instant now) {
    h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:k)) l")
        .bind("k", APPEND_LOCK)
        .mapTo(Integer.class)
        .one();
    PreparedBatch batch =
        h.prepareBatch(
            "INSERT INTO interview_events (interview_id, origin, payload, created_at)"
                + " VALUES (:interview, :origin, :payload, :at)");
    for (Interview i : events) {
      batch
          .bind("interview", i.id())
          .bind("origin", origin)
          .bind("payload", encode(i))
          .bindByType("at", Times.odt(now), OffsetDateTime.class)
          .add();
    }
    batch.execute();
    h.execute("NOTIFY " + CHANNEL);
  }

  /** The newest id, or 0: where a replica that starts begins delivering. */
  long latestId() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COALESCE(MAX(id), 0) FROM interview_events")
                .mapTo(Long.class)
                .one());
  }

  /** The rows read after an id: the events, and the last id read (also of a row unreadable). */
  record Read(List<InterviewEvent> events, long lastId, int rows) {}

  /** Through the pool: a stream that reconnects. */
  List<InterviewEvent> since(long afterId, int limit) {
    try {
      return jdbi.withHandle(h -> after(h.getConnection(), afterId, limit)).events();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the events: " + e.getMessage(), e);
    }
  }

  /**
   * The events after {@code afterId}, oldest first, at most {@code limit} rows. A row this replica
   * cannot read (sealed with another key, written by an incompatible version) is skipped with a
   * warning: it must not stop the events after it.
   */
  Read after(Connection c, long afterId, int limit) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT id, origin, payload FROM interview_events WHERE id > ? ORDER BY id LIMIT ?")) {
      s.setLong(1, afterId);
      s.setInt(2, limit);
      List<InterviewEvent> found = new ArrayList<>();
      long last = afterId;
      int rows = 0;
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          rows++;
          last = rs.getLong("id");
          try {
            found.add(
                new InterviewEvent(
                    last, decode(rs.getString("payload")), origin.equals(rs.getString("origin"))));
          } catch (RuntimeException e) {
            log.warn("live events: skipping event {}: {}", last, e.getMessage());
          }
        }
      }
      return new Read(found, last, rows);
    }
  }

  /** Forgets the events older than {@code before}: the table stays small. */
  int prune(Connection c, Instant before) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("DELETE FROM interview_events WHERE created_at < ?")) {
      s.setObject(1, Times.odt(before));
      return s.executeUpdate();
    }
  }

  /** The interview as JSON; its candidate password sealed, as in the interviews table. */
  String encode(Interview i) {
    Interview sealed =
        new Interview(
            i.id(),
            i.candidateName(),
            i.challengeId(),
            i.status(),
            i.password() == null ? null : box.seal(i.password(), InterviewStore.passwordOf(i.id())),
            i.scheduledAt(),
            i.startsAt(),
            i.expiresAt(),
            i.createdAt(),
            i.updatedAt(),
            i.errorReason());
    try {
      return JSON.writeValueAsString(sealed);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an interview event: " + e.getMessage(), e);
    }
  }

  Interview decode(String payload) {
    Interview i;
    try {
      i = JSON.readValue(payload, Interview.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read an interview event: " + e.getMessage(), e);
    }
    return new Interview(
        i.id(),
        i.candidateName(),
        i.challengeId(),
        i.status(),
        i.password() == null ? null : box.open(i.password(), InterviewStore.passwordOf(i.id())),
        i.scheduledAt(),
        i.startsAt(),
        i.expiresAt(),
        i.createdAt(),
        i.updatedAt(),
        i.errorReason());
  }
}
