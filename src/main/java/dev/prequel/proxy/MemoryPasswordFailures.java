package dev.prequel.proxy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wrong passwords in this process's memory: for the proxy's own tests, and never for replicas (each
 * would count alone). Keeps the newest few per interview, and forgets interviews whose failures are
 * old once many are on record.
 */
public final class MemoryPasswordFailures implements PasswordFailures {

  /** Past this many interviews with failures on record, those with none lately are forgotten. */
  static final int SWEEP_AT = 1000;

  private static final int KEEP_PER_INTERVIEW = 100;

  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  @Override
  public int countSince(String interviewId, Instant after, int limit) {
    Deque<Instant> recent = failures.get(interviewId);
    if (recent == null) {
      return 0;
    }
    synchronized (recent) {
      return (int) Math.min(limit, recent.stream().filter(at -> at.isAfter(after)).count());
    }
  }

  @Override
  public void record(String interviewId, Instant at) {
    if (failures.size() >= SWEEP_AT) {
      Instant old = at.minus(Duration.ofHours(1));
      failures.keySet().forEach(id -> failures.computeIfPresent(id, (k, d) -> stale(d, old)));
    }
    failures.compute(
        interviewId,
        (k, known) -> {
          Deque<Instant> recent = known == null ? new ArrayDeque<>() : known;
          synchronized (recent) {
            recent.addLast(at);
            while (recent.size() > KEEP_PER_INTERVIEW) {
              recent.removeFirst();
            }
          }
          return recent;
        });
  }

  private static Deque<Instant> stale(Deque<Instant> recent, Instant old) {
    synchronized (recent) {
      return recent.isEmpty() || !recent.peekLast().isAfter(old) ? null : recent;
    }
  }

  @Override
  public void forgive(String interviewId) {
    failures.remove(interviewId);
  }
}
