package dev.prequel.store;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** What the library remembers about challenges: when added, soft deletion, and use. */
public final class ChallengeRecords {

  /**
   * One challenge's facts.
   *
   * @param deletedAt null while the challenge is offered
   * @param lastUsedAt null when no interview used it yet
   */
  public record ChallengeRecord(
      String id, Instant addedAt, Instant deletedAt, int useCount, Instant lastUsedAt) {
    public boolean deleted() {
      return deletedAt != null;
    }
  }

  private final Jdbi jdbi;

  public ChallengeRecords(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public Map<String, ChallengeRecord> all() {
    Map<String, ChallengeRecord> all = new LinkedHashMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery("SELECT * FROM challenges ORDER BY id")
                .map((rs, ctx) -> read(rs))
                .forEach(r -> all.put(r.id(), r)));
    return all;
  }

  public Optional<ChallengeRecord> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM challenges WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> read(rs))
                .findOne());
  }

  /** Remembers a challenge first seen now; one already known keeps its facts. */
  public ChallengeRecord ensure(String id, Instant at) {
    Optional<ChallengeRecord> known = find(id);
    if (known.isPresent()) {
      return known.get();
    }
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "INSERT INTO challenges (id, added_at, use_count) VALUES (:id, :at, 0)")
                  .bind("id", id)
                  .bind("at", odt(at))
                  .execute());
    } catch (UnableToExecuteStatementException e) {
      // another request inserted it first; theirs is as good
    }
    return find(id).orElseThrow();
  }

  /** A new upload under this id: added now, offered again if it had been deleted. */
  public void added(String id, Instant at) {
    ensure(id, at);
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE challenges SET added_at = :at, deleted_at = NULL WHERE id = :id")
                .bind("id", id)
                .bind("at", odt(at))
                .execute());
  }

  public void markDeleted(String id, Instant at) {
    ensure(id, at);
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE challenges SET deleted_at = :at WHERE id = :id AND deleted_at IS NULL")
                .bind("id", id)
                .bind("at", odt(at))
                .execute());
  }

  public void recordUse(String id, Instant at) {
    ensure(id, at);
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE challenges SET use_count = use_count + 1, last_used_at = :at WHERE id = :id")
                .bind("id", id)
                .bind("at", odt(at))
                .execute());
  }

  private static ChallengeRecord read(ResultSet rs) throws SQLException {
    return new ChallengeRecord(
        rs.getString("id"),
        instant(rs, "added_at"),
        instant(rs, "deleted_at"),
        rs.getInt("use_count"),
        instant(rs, "last_used_at"));
  }
}
