package dev.prequel.review;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/** Notes and scorecards in the database (tables {@code interview_notes}, {@code scorecards}). */
public final class ReviewStore {

  /** A scorecard as stored: {@code scores} is a JSON object. */
  record StoredScorecard(
      String scores, String recommendation, String comment, Instant updatedAt, String updatedBy) {}

  private final Jdbi jdbi;

  public ReviewStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  Optional<Review.Notes> notes(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM interview_notes WHERE interview_id = :id")
                .bind("id", id)
                .map(
                    (rs, ctx) ->
                        new Review.Notes(
                            rs.getString("markdown"),
                            instant(rs, "updated_at"),
                            rs.getString("updated_by")))
                .findOne());
  }

  void saveNotes(String id, String markdown, Instant at, String by) {
    upsert(
        h ->
            h.createUpdate(
                    "UPDATE interview_notes SET markdown = :m, updated_at = :at, updated_by = :by"
                        + " WHERE interview_id = :id")
                .bind("id", id)
                .bind("m", markdown)
                .bind("at", odt(at))
                .bind("by", by)
                .execute(),
        h ->
            h.createUpdate(
                    "INSERT INTO interview_notes (interview_id, markdown, updated_at, updated_by)"
                        + " VALUES (:id, :m, :at, :by)")
                .bind("id", id)
                .bind("m", markdown)
                .bind("at", odt(at))
                .bind("by", by)
                .execute());
  }

  Optional<StoredScorecard> scorecard(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM scorecards WHERE interview_id = :id")
                .bind("id", id)
                .map(
                    (rs, ctx) ->
                        new StoredScorecard(
                            rs.getString("scores"),
                            rs.getString("recommendation"),
                            rs.getString("comment"),
                            instant(rs, "updated_at"),
                            rs.getString("updated_by")))
                .findOne());
  }

  void saveScorecard(String id, StoredScorecard s) {
    upsert(
        h ->
            h.createUpdate(
                    """
                    UPDATE scorecards SET scores = :scores, recommendation = :rec,
                           comment = :comment, updated_at = :at, updated_by = :by
                    WHERE interview_id = :id""")
                .bind("id", id)
                .bind("scores", s.scores())
                .bindByType("rec", s.recommendation(), String.class)
                .bind("comment", s.comment())
                .bind("at", odt(s.updatedAt()))
                .bind("by", s.updatedBy())
                .execute(),
        h ->
            h.createUpdate(
                    """
                    INSERT INTO scorecards
                        (interview_id, scores, recommendation, comment, updated_at, updated_by)
                    VALUES (:id, :scores, :rec, :comment, :at, :by)""")
                .bind("id", id)
                .bind("scores", s.scores())
                .bindByType("rec", s.recommendation(), String.class)
                .bind("comment", s.comment())
                .bind("at", odt(s.updatedAt()))
                .bind("by", s.updatedBy())
                .execute());
  }

  /**
   * Updates the row, or inserts it when there is none; an insert that loses a race with another
   * (the unique key) updates the winner's row instead. No MERGE / ON CONFLICT: one SQL for H2 and
   * PostgreSQL.
   */
  private void upsert(
      java.util.function.ToIntFunction<Handle> update,
      java.util.function.ToIntFunction<Handle> insert) {
    if (jdbi.withHandle(update::applyAsInt) > 0) {
      return;
    }
    int inserted;
    try {
      inserted = jdbi.withHandle(insert::applyAsInt);
    } catch (UnableToExecuteStatementException e) {
      inserted = 0; // another request inserted the row first
    }
    if (inserted == 0 && jdbi.withHandle(update::applyAsInt) == 0) {
      throw new IllegalStateException("the row was neither inserted nor updated");
    }
  }
}
