package dev.prequel.interview;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import dev.prequel.store.SecretBox;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/** Interviews and their logs in the database. Knows SQL, nothing about the lifecycle's rules. */
public final class InterviewStore {

  /** One line of an interview's provisioning log. */
  public record LogLine(Instant at, String message) {}

  private final Jdbi jdbi;
  private final SecretBox secrets;
  private final InterviewSecrets workspaceSecrets;

  /**
   * Candidates' passwords are sealed by {@code secrets} before they are written; interviews'
   * secrets by a key derived from it.
   */
  public InterviewStore(Jdbi jdbi, SecretBox secrets) {
    this.jdbi = jdbi;
    this.secrets = secrets;
    this.workspaceSecrets = new InterviewSecrets(jdbi, secrets);
  }

  /** The environment variables interviewers gave interviews' workspaces. */
  public InterviewSecrets secrets() {
    return workspaceSecrets;
  }

  /**
   * Seals passwords stored in plain by a version of Prequel before encryption at rest; returns how
   * many.
   */
  public int sealPlainPasswords() {
    return jdbi.inTransaction(
        h -> {
          List<Map.Entry<String, String>> plain =
              h.createQuery(
                      "SELECT id, password FROM interviews"
                          + " WHERE password NOT LIKE :sealed AND password NOT LIKE :unbound")
                  .bind("sealed", SecretBox.PREFIX + "%")
                  .bind("unbound", SecretBox.UNBOUND + "%")
                  .map((rs, ctx) -> Map.entry(rs.getString("id"), rs.getString("password")))
                  .list();
          plain.forEach(
              e ->
                  h.createUpdate("UPDATE interviews SET password = :p WHERE id = :id")
                      .bind("p", secrets.seal(e.getValue(), passwordOf(e.getKey())))
                      .bind("id", e.getKey())
                      .execute());
          return plain.size();
        });
  }

  public void insert(Interview i) {
    jdbi.useHandle(h -> insert(h, i));
  }

  /**
   * A new interview, its secrets, its first log line and its event (written by {@code events}) in
   * one transaction: none of them without the others, and its start never sees it without its
   * secrets.
   */
  public void insert(
      Interview i, dev.prequel.runtime.WorkspaceSecrets given, String logLine, EventWriter events) {
    jdbi.useTransaction(
        h -> {
          insert(h, i);
          workspaceSecrets.write(h, i.id(), given);
          appendLog(h, i.id(), i.createdAt(), logLine);
          events.write(h, find(h, i.id()).orElseThrow());
        });
  }

  /** A new interview and its secrets, in one commit. */
  public void insert(Interview i, dev.prequel.runtime.WorkspaceSecrets given) {
    jdbi.useTransaction(
        h -> {
          insert(h, i);
          workspaceSecrets.write(h, i.id(), given);
        });
  }

  /** A new interview without secrets, with its first log line and event in one transaction. */
  public void insert(Interview i, String logLine, EventWriter events) {
    insert(i, dev.prequel.runtime.WorkspaceSecrets.none(), logLine, events);
  }

  private void insert(Handle h, Interview i) {
    h.createUpdate(
            """
            INSERT INTO interviews (id, candidate_name, challenge_id, status, password, scheduled_at,
                                    starts_at, expires_at, created_at, updated_at, error_reason)
            VALUES (:id, :name, :challenge, :status, :password, :scheduledAt,
                    :startsAt, :expiresAt, :createdAt, :updatedAt, :reason)""")
        .bind("id", i.id())
        .bind("name", i.candidateName())
        .bind("challenge", i.challengeId())
        .bind("status", i.status().name())
        .bind("password", secrets.seal(i.password(), passwordOf(i.id())))
        .bindByType("scheduledAt", odt(i.scheduledAt()), OffsetDateTime.class)
        .bind("startsAt", odt(i.startsAt()))
        .bind("expiresAt", odt(i.expiresAt()))
        .bind("createdAt", odt(i.createdAt()))
        .bind("updatedAt", odt(i.updatedAt()))
        .bindByType("reason", i.errorReason(), String.class)
        .execute();
  }

  public Optional<Interview> find(String id) {
    return jdbi.withHandle(h -> find(h, id));
  }

  /** Within a transaction of the caller's (the interview as it is about to be committed). */
  Optional<Interview> find(Handle h, String id) {
    return h.createQuery("SELECT * FROM interviews WHERE id = :id")
        .bind("id", id)
        .map((rs, ctx) -> read(rs))
        .findOne();
  }

  /** Interviews in any of these statuses, newest first. */
  public List<Interview> list(Collection<Status> statuses) {
    if (statuses.isEmpty()) {
      return List.of();
    }
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM interviews WHERE status IN (<statuses>) ORDER BY created_at DESC, id")
                .bindList("statuses", statuses.stream().map(Status::name).toList())
                .map((rs, ctx) -> read(rs))
                .list());
  }

  /**
   * Moves an interview from one status to another only if it is still in {@code from}: two actors
   * racing on the same interview cannot both win. Returns whether this call made the change.
   */
  public boolean compareAndSetStatus(String id, Status from, Status to, String reason, Instant at) {
    return jdbi.inTransaction(h -> compareAndSet(h, id, from, to, reason, at));
  }

  /**
   * A transition in one transaction: the compare-and-set of {@link #compareAndSetStatus}, its log
   * line, and its event (written by {@code events}, from the row as changed). A process killed at
   * any point keeps all three or none. Returns the interview as recorded, or empty (and nothing
   * written) when somebody else changed it first.
   */
  public Optional<Interview> transition(
      String id,
      Status from,
      Status to,
      String reason,
      Instant at,
      String logLine,
      EventWriter events) {
    return jdbi.inTransaction(
        h -> {
          if (!compareAndSet(h, id, from, to, reason, at)) {
            return Optional.<Interview>empty();
          }
          appendLog(h, id, at, logLine);
          Interview recorded = find(h, id).orElseThrow();
          events.write(h, recorded);
          return Optional.of(recorded);
        });
  }

  private static boolean compareAndSet(
      Handle h, String id, Status from, Status to, String reason, Instant at) {
    boolean moved =
        h.createUpdate(
                    """
            UPDATE interviews SET status = :to, error_reason = :reason, updated_at = :at
            WHERE id = :id AND status = :from""")
                .bind("id", id)
                .bind("from", from.name())
                .bind("to", to.name())
                .bindByType("reason", reason, String.class)
                .bind("at", odt(at))
                .execute()
            == 1;
    if (moved && to.isFinal()) {
      // Nothing of the interview runs any more (destroyed, cancelled, failed): its secrets have no
      // use left, and are gone with the same commit.
      InterviewSecrets.wipe(h, id);
    }
    return moved;
  }

  public void updateExpiry(String id, Instant expiresAt, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE interviews SET expires_at = :e, updated_at = :at WHERE id = :id")
                .bind("id", id)
                .bind("e", odt(expiresAt))
                .bind("at", odt(at))
                .execute());
  }

  /** Interviews whose last change is older than {@code before}, in any of these statuses. */
  public List<Interview> listUpdatedBefore(Collection<Status> statuses, Instant before) {
    return list(statuses).stream().filter(i -> i.updatedAt().isBefore(before)).toList();
  }

  /** Removes an interview and its log. */
  public void delete(String id) {
    jdbi.useHandle(
        h -> h.createUpdate("DELETE FROM interviews WHERE id = :id").bind("id", id).execute());
  }

  /** What of this interview awaits the archive ({@code waiting}, {@code discard}), if anything. */
  public Optional<String> archiveState(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT archive_state FROM interviews WHERE id = :id")
                .bind("id", id)
                .mapTo(String.class)
                .findOne()
                .filter(java.util.Objects::nonNull));
  }

  public void setArchiveState(String id, String state) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE interviews SET archive_state = :s WHERE id = :id")
                .bind("id", id)
                .bindByType("s", state, String.class)
                .execute());
  }

  /** Ids of interviews whose files wait for the archive. */
  public List<String> listArchiveStates() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT id FROM interviews WHERE archive_state IS NOT NULL ORDER BY id")
                .mapTo(String.class)
                .list());
  }

  /**
   * Sets the note shown with an interview in this status (the error reason column), e.g. "waiting
   * for archive"; does nothing when its status changed meanwhile.
   */
  public void setNote(String id, Status status, String note, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "UPDATE interviews SET error_reason = :n, updated_at = :at WHERE id = :id AND status = :s")
                .bind("id", id)
                .bind("s", status.name())
                .bindByType("n", note, String.class)
                .bind("at", odt(at))
                .execute());
  }

  /** How many interviews are in each status (statuses with none are absent). */
  public Map<Status, Integer> countByStatus() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT status, COUNT(*) AS n FROM interviews GROUP BY status")
                .reduceRows(
                    new java.util.EnumMap<Status, Integer>(Status.class),
                    (counts, row) -> {
                      counts.put(
                          Status.valueOf(row.getColumn("status", String.class)),
                          row.getColumn("n", Integer.class));
                      return counts;
                    }));
  }

  public void appendLog(String id, Instant at, String message) {
    jdbi.useHandle(h -> appendLog(h, id, at, message));
  }

  /** Within the caller's transaction. */
  static void appendLog(Handle h, String id, Instant at, String message) {
    String clipped = message.length() > 4000 ? message.substring(0, 3997) + "..." : message;
    h.createUpdate("INSERT INTO interview_log (interview_id, at, message) VALUES (:id, :at, :m)")
        .bind("id", id)
        .bind("at", odt(at))
        .bind("m", clipped)
        .execute();
  }

  public List<LogLine> log(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT at, message FROM interview_log WHERE interview_id = :id ORDER BY seq")
                .bind("id", id)
                .map((rs, ctx) -> new LogLine(instant(rs, "at"), rs.getString("message")))
                .list());
  }

  /** What an interview's sealed candidate password is bound to (see {@link SecretBox}). */
  static String passwordOf(String interviewId) {
    return "interview/" + interviewId + "/password";
  }

  private Interview read(ResultSet rs) throws SQLException {
    return new Interview(
        rs.getString("id"),
        rs.getString("candidate_name"),
        rs.getString("challenge_id"),
        Status.valueOf(rs.getString("status")),
        secrets.open(rs.getString("password"), passwordOf(rs.getString("id"))),
        instant(rs, "scheduled_at"),
        instant(rs, "starts_at"),
        instant(rs, "expires_at"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"),
        rs.getString("error_reason"));
  }
}
