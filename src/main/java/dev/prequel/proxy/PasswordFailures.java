package dev.prequel.proxy;

import java.time.Instant;

/**
 * The wrong passwords given for each interview, as {@link CandidateLogin} counts them. In the
 * database ({@link DatabasePasswordFailures}), so replicas behind a load balancer count a guesser's
 * tries together; in memory ({@link MemoryPasswordFailures}) for tests of the proxy alone.
 */
public interface PasswordFailures {

  /** How many wrong passwords for this interview came after {@code after}, counting to limit. */
  int countSince(String interviewId, Instant after, int limit);

  void record(String interviewId, Instant at);

  /** The right password was given: the interview's count starts again. */
  void forgive(String interviewId);
}
