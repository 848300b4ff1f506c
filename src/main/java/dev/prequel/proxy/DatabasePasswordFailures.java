package dev.prequel.proxy;

import dev.prequel.auth.LoginFailures;
import dev.prequel.auth.Tokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Candidates' wrong passwords in the table of failed sign-ins ({@link LoginFailures}), under a key
 * of their own per interview (a digest, like the interviewers' keys), so every replica counts the
 * same tries.
 */
public final class DatabasePasswordFailures implements PasswordFailures {

  /**
   * Failures older than this are deleted as new ones come in. Longer than both throttles' windows
   * (the candidates' minute, the interviewers' 15 minutes), so neither loses a failure it counts.
   */
  static final Duration KEEP = Duration.ofHours(1);

  private final LoginFailures failures;

  public DatabasePasswordFailures(LoginFailures failures) {
    this.failures = failures;
  }

  private static String key(String interviewId) {
    return Tokens.sha256("candidate of interview " + interviewId);
  }

  @Override
  public int countSince(String interviewId, Instant after, int limit) {
    return failures.recent(key(interviewId), after, limit).size();
  }

  @Override
  public void record(String interviewId, Instant at) {
    failures.record(List.of(key(interviewId)), at);
    failures.purge(at.minus(KEEP));
  }

  @Override
  public void forgive(String interviewId) {
    failures.forget(key(interviewId));
  }
}
