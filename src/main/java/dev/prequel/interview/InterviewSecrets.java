package dev.prequel.interview;

import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.store.SecretBox;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Interviews' secrets in the database (table {@code interview_secrets}), each value sealed with a
 * key of their own, derived from Prequel's secret key: a leak of another purpose's key (the
 * passwords', the webhooks') opens none of them, nor does a copy of the database alone.
 */
public final class InterviewSecrets {

  private final Jdbi jdbi;
  private final SecretBox box;

  InterviewSecrets(Jdbi jdbi, SecretBox secretKey) {
    this.jdbi = jdbi;
    this.box = SecretBox.of(secretKey.derive("interview-secrets"));
  }

  /**
   * Replaces the interview's secrets with {@code secrets}, only while its status is one of {@code
   * editable}: the interview's row is locked meanwhile, so a start that reads them for its
   * workspace comes wholly before or wholly after. Returns false, changing nothing, otherwise.
   */
  boolean replace(String interviewId, WorkspaceSecrets secrets, Set<Status> editable) {
    return jdbi.inTransaction(
        h -> {
          boolean allowed =
              h.createQuery("SELECT status FROM interviews WHERE id = :id FOR UPDATE")
                  .bind("id", interviewId)
                  .mapTo(String.class)
                  .findOne()
                  .map(s -> editable.contains(Status.valueOf(s)))
                  .orElse(false);
          if (!allowed) {
            return false;
          }
          wipe(h, interviewId);
          write(h, interviewId, secrets);
          return true;
        });
  }

  /** What a sealed secret is bound to: its interview and its name (see {@link SecretBox}). */
  private static String boundTo(String interviewId, String name) {
    return "interview/" + interviewId + "/secret/" + name;
  }

  /** Adds the interview's secrets, sealed, within the caller's transaction. */
  void write(Handle h, String interviewId, WorkspaceSecrets secrets) {
    secrets
        .values()
        .forEach(
            (name, value) ->
                h.createUpdate(
                        "INSERT INTO interview_secrets (interview_id, name, sealed_value)"
                            + " VALUES (:id, :name, :sealed)")
                    .bind("id", interviewId)
                    .bind("name", name)
                    .bind("sealed", box.seal(value, boundTo(interviewId, name)))
                    .execute());
  }

  /** The interview's secrets, opened, for its workspace. */
  public WorkspaceSecrets of(String interviewId) {
    Map<String, String> values = new LinkedHashMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery(
                    "SELECT name, sealed_value FROM interview_secrets WHERE interview_id = :id")
                .bind("id", interviewId)
                .map((rs, ctx) -> Map.entry(rs.getString("name"), rs.getString("sealed_value")))
                .forEach(
                    e ->
                        values.put(
                            e.getKey(), box.open(e.getValue(), boundTo(interviewId, e.getKey())))));
    return values.isEmpty() ? WorkspaceSecrets.none() : WorkspaceSecrets.of(values);
  }

  /** The names of the interview's secrets, sorted: all the API and the portal show. */
  public Set<String> names(String interviewId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT name FROM interview_secrets WHERE interview_id = :id")
                .bind("id", interviewId)
                .mapTo(String.class)
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
  }

  /** Deletes the interview's secrets, within the caller's transaction. */
  static void wipe(Handle h, String interviewId) {
    h.createUpdate("DELETE FROM interview_secrets WHERE interview_id = :id")
        .bind("id", interviewId)
        .execute();
  }
}
