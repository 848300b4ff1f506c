package dev.prequel.interview;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Take-homes in the database (table {@code take_homes}, beside their interviews). */
public final class TakeHomeStore {

  private final Jdbi jdbi;

  public TakeHomeStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  void insert(TakeHome t) {
    jdbi.useHandle(h -> insert(h, t));
  }

  /** Within the caller's transaction (the one that inserts its interview). */
  static void insert(Handle h, TakeHome t) {
    h.createUpdate(
            """
            INSERT INTO take_homes (interview_id, duration_minutes, window_ends_at)
            VALUES (:id, :minutes, :windowEnd)""")
        .bind("id", t.interviewId())
        .bind("minutes", t.durationMinutes())
        .bind("windowEnd", odt(t.windowEndsAt()))
        .execute();
  }

  public Optional<TakeHome> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM take_homes WHERE interview_id = :id")
                .bind("id", id)
                .map((rs, ctx) -> read(rs))
                .findOne());
  }

  /** Every take-home, the latest window first. */
  public List<TakeHome> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM take_homes ORDER BY window_ends_at DESC, interview_id")
                .map((rs, ctx) -> read(rs))
                .list());
  }

  /**
   * Starts the clock in one transaction: the interview moves from invited to initializing with
   * {@code [at, expiresAt]} as its time, only if it is still invited and its window still open (two
   * Start presses, or a Start racing the window's end, cannot both win). {@code also} runs in that
   * transaction once it moved (its log line, its event). Returns whether this call started it.
   */
  boolean start(
      String id, Instant at, Instant expiresAt, java.util.function.Consumer<Handle> also) {
    return jdbi.inTransaction(
        h -> {
          int moved =
              h.createUpdate(
                      """
                      UPDATE interviews SET status = :to, starts_at = :at, expires_at = :end,
                                            updated_at = :at
                      WHERE id = :id AND status = :from AND expires_at > :at""")
                  .bind("id", id)
                  .bind("from", Status.INVITED.name())
                  .bind("to", Status.INITIALIZING.name())
                  .bind("at", odt(at))
                  .bind("end", odt(expiresAt))
                  .execute();
          if (moved == 1) {
            h.createUpdate("UPDATE take_homes SET started_at = :at WHERE interview_id = :id")
                .bind("id", id)
                .bind("at", odt(at))
                .execute();
            also.accept(h);
          }
          return moved == 1;
        });
  }

  void markSubmitted(String id, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE take_homes SET submitted_at = :at"
                        + " WHERE interview_id = :id AND submitted_at IS NULL")
                .bind("id", id)
                .bind("at", odt(at))
                .execute());
  }

  private static TakeHome read(ResultSet rs) throws SQLException {
    return new TakeHome(
        rs.getString("interview_id"),
        rs.getInt("duration_minutes"),
        instant(rs, "window_ends_at"),
        instant(rs, "started_at"),
        instant(rs, "submitted_at"));
  }
}
