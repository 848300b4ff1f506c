package dev.prequel.interview;

import static dev.prequel.store.Times.odt;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The {@code interview_leases} table: which replica owns each interview's lifecycle, until when.
 * Every change that decides ownership is one conditional statement (a compare-and-set), so two
 * replicas racing for a lease cannot both get it. Knows SQL, nothing about timing.
 */
final class LeaseStore {

  private final Jdbi jdbi;

  LeaseStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /**
   * Takes (or keeps) the interview's lease until {@code until} when nobody holds it, this replica
   * already does, or its holder let it expire before {@code now}. Returns whether it is now ours.
   */
  boolean claim(String id, String owner, Instant now, Instant until) {
    int taken =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                UPDATE interview_leases SET owner = :owner, expires_at = :until, nudges = 0
                WHERE interview_id = :id AND (owner = :owner OR expires_at < :now)""")
                    .bind("id", id)
                    .bind("owner", owner)
                    .bind("now", odt(now))
                    .bind("until", odt(until))
                    .execute());
    if (taken == 1) {
      return true;
    }
    try {
      // Nobody's yet: two replicas inserting at once both pass NOT EXISTS, and the primary key
      // refuses the second (no ON CONFLICT: see CONTRIBUTING, "One SQL for H2 and PostgreSQL").
      return jdbi.withHandle(
              h ->
                  h.createUpdate(
                          """
                  INSERT INTO interview_leases (interview_id, owner, expires_at, nudges)
                  SELECT :id, :owner, :until, 0
                  WHERE NOT EXISTS (SELECT 1 FROM interview_leases WHERE interview_id = :id)""")
                      .bind("id", id)
                      .bind("owner", owner)
                      .bind("until", odt(until))
                      .execute())
          == 1;
    } catch (org.jdbi.v3.core.statement.UnableToExecuteStatementException e) {
      if (isUniqueViolation(e)) {
        return false; // another replica inserted it first
      }
      throw e;
    }
  }

  private static boolean isUniqueViolation(Exception e) {
    return e.getCause() instanceof java.sql.SQLException s && "23505".equals(s.getSQLState());
  }

  /**
   * Extends every lease {@code owner} still holds to {@code until} and returns them, each with the
   * nudges other replicas sent it. A lease another replica took meanwhile is not among them.
   */
  Map<String, Integer> renew(String owner, Instant until) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate("UPDATE interview_leases SET expires_at = :until WHERE owner = :owner")
              .bind("owner", owner)
              .bind("until", odt(until))
              .execute();
          Map<String, Integer> held = new LinkedHashMap<>();
          h.createQuery("SELECT interview_id, nudges FROM interview_leases WHERE owner = :owner")
              .bind("owner", owner)
              .map((rs, ctx) -> Map.entry(rs.getString("interview_id"), rs.getInt("nudges")))
              .forEach(e -> held.put(e.getKey(), e.getValue()));
          return held;
        });
  }

  /** Asks the holder to look again (read at its next renewal). */
  void nudge(String id) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE interview_leases SET nudges = nudges + 1 WHERE interview_id = :id")
                .bind("id", id)
                .execute());
  }

  /** Forgets the nudges seen; one that arrived since ({@code nudges} moved on) stays. */
  void clearNudges(String id, String owner, int seen) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                UPDATE interview_leases SET nudges = 0
                WHERE interview_id = :id AND owner = :owner AND nudges = :seen""")
                .bind("id", id)
                .bind("owner", owner)
                .bind("seen", seen)
                .execute());
  }

  void release(String id, String owner) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "DELETE FROM interview_leases WHERE interview_id = :id AND owner = :owner")
                .bind("id", id)
                .bind("owner", owner)
                .execute());
  }

  void releaseAll(String owner) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM interview_leases WHERE owner = :owner")
                .bind("owner", owner)
                .execute());
  }

  /** Interviews whose lease another replica holds at {@code now}. */
  List<String> heldByOthers(String owner, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                SELECT interview_id FROM interview_leases
                WHERE owner <> :owner AND expires_at >= :now""")
                .bind("owner", owner)
                .bind("now", odt(now))
                .mapTo(String.class)
                .list());
  }

  /**
   * Removes the expired leases of interviews that need no owner any more (ended, or gone): a
   * replica that died between an interview's end and giving its lease up leaves such a row.
   */
  void forgetEnded(Collection<Status> live, Instant now) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                DELETE FROM interview_leases WHERE expires_at < :now AND NOT EXISTS (
                  SELECT 1 FROM interviews i WHERE i.id = interview_leases.interview_id
                    AND (i.status IN (<live>) OR i.archive_state IS NOT NULL))""")
                .bindList("live", live.stream().map(Status::name).toList())
                .bind("now", odt(now))
                .execute());
  }

  /**
   * Takes, in one statement, every lease among {@code ids} that expired before {@code now}; returns
   * which of {@code ids} this owner holds afterwards. A dead replica's hundreds of interviews are
   * taken in a few statements, not one each.
   */
  List<String> claimExpired(List<String> ids, String owner, Instant now, Instant until) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(
                  """
              UPDATE interview_leases SET owner = :owner, expires_at = :until, nudges = 0
              WHERE interview_id IN (<ids>) AND expires_at < :now""")
              .bindList("ids", ids)
              .bind("owner", owner)
              .bind("now", odt(now))
              .bind("until", odt(until))
              .execute();
          return h.createQuery(
                  "SELECT interview_id FROM interview_leases"
                      + " WHERE interview_id IN (<ids>) AND owner = :owner")
              .bindList("ids", ids)
              .bind("owner", owner)
              .mapTo(String.class)
              .list();
        });
  }

  /**
   * Interviews that need an owner and have none at {@code now}: in one of these statuses, or with
   * files waiting for the archive, and without a lease (false) or with an expired one (true).
   */
  Map<String, Boolean> unowned(Collection<Status> live, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
                SELECT i.id, l.interview_id AS leased FROM interviews i
                LEFT JOIN interview_leases l ON l.interview_id = i.id
                WHERE (i.status IN (<live>) OR i.archive_state IS NOT NULL)
                  AND (l.interview_id IS NULL OR l.expires_at < :now)
                ORDER BY i.id""")
                .bindList("live", live.stream().map(Status::name).toList())
                .bind("now", odt(now))
                .reduceRows(
                    new LinkedHashMap<String, Boolean>(),
                    (m, row) -> {
                      m.put(
                          row.getColumn("id", String.class),
                          row.getColumn("leased", String.class) != null);
                      return m;
                    }));
  }
}
