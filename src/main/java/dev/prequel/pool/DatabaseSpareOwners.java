package dev.prequel.pool;

import dev.prequel.store.Times;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Spares' owners in the {@code pool_spares} table: every decision is one conditional statement on
 * the spare's row, so two replicas racing cannot both win. An owner refreshes its rows at every
 * pool check; a row not refreshed for {@code stale} belongs to a replica that is gone, and the next
 * replica to look takes the spare over.
 */
public final class DatabaseSpareOwners implements SpareOwners {

  private final Jdbi jdbi;
  private final String me;
  private final Clock clock;
  private final Duration stale;

  public DatabaseSpareOwners(Jdbi jdbi, String replicaId, Clock clock, Duration stale) {
    this.jdbi = jdbi;
    this.me = replicaId;
    this.clock = clock;
    this.stale = stale;
  }

  @Override
  public boolean take(String spareId) {
    Instant now = clock.instant();
    int taken =
        jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                        UPDATE pool_spares SET owner = :me, seen_at = :now, claimed_at = NULL
                        WHERE spare_id = :s
                          AND ((owner = :me AND claimed_at IS NULL) OR seen_at < :stale)""")
                    .bind("me", me)
                    .bind("s", spareId)
                    .bind("now", Times.odt(now))
                    .bind("stale", Times.odt(now.minus(stale)))
                    .execute());
    if (taken == 1) {
      return true;
    }
    try {
      // A spare nobody recorded (just started, or from before owners were kept); the loser of a
      // race gets the primary key's unique violation.
      return jdbi.withHandle(
              h ->
                  h.createUpdate(
                          """
                          INSERT INTO pool_spares (spare_id, owner, seen_at)
                          SELECT :s, :me, :now
                          WHERE NOT EXISTS (SELECT 1 FROM pool_spares WHERE spare_id = :s)""")
                      .bind("me", me)
                      .bind("s", spareId)
                      .bind("now", Times.odt(now))
                      .execute())
          == 1;
    } catch (UnableToExecuteStatementException e) {
      if (e.getCause() instanceof java.sql.SQLException q && "23505".equals(q.getSQLState())) {
        return false; // another replica recorded it first
      }
      throw e;
    }
  }

  @Override
  public boolean handOver(String spareId) {
    Instant now = clock.instant();
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                        UPDATE pool_spares SET claimed_at = :now, seen_at = :now
                        WHERE spare_id = :s AND owner = :me AND claimed_at IS NULL""")
                    .bind("me", me)
                    .bind("s", spareId)
                    .bind("now", Times.odt(now))
                    .execute())
        == 1;
  }

  @Override
  public void handBack(String spareId) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE pool_spares SET claimed_at = NULL WHERE spare_id = :s AND owner = :me")
                .bind("me", me)
                .bind("s", spareId)
                .execute());
  }

  @Override
  public void forget(String spareId) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM pool_spares WHERE spare_id = :s AND owner = :me")
                .bind("me", me)
                .bind("s", spareId)
                .execute());
  }

  @Override
  public void stillHere() {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE pool_spares SET seen_at = :now WHERE owner = :me")
                .bind("me", me)
                .bind("now", Times.odt(clock.instant()))
                .execute());
  }
}
