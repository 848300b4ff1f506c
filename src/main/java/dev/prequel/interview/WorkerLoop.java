package dev.prequel.interview;

import dev.prequel.schedule.Timers;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The lifecycle's workers, in the manner of java-operator-sdk's dispatcher: {@link #request} queues
 * an interview; a worker reconciles it and applies what the reconcile returns ({@link Next}): the
 * next step at once, a timer for later, or nothing. At most one worker handles an interview at a
 * time; requests arriving meanwhile make it look again. This is the one place where an unexpected
 * exception is logged, with its stack trace, and retried with backoff.
 */
final class WorkerLoop {

  private static final Logger log = LoggerFactory.getLogger(WorkerLoop.class);

  /** The longest wait before retrying after an unexpected failure. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

  private final Function<String, Next> reconcile;
  private final Timers timers;
  private final Executor workers;
  private final Clock clock;

  /** Unexpected failures in a row of each interview's reconcile, for the backoff. */
  private final ConcurrentHashMap<String, Integer> unexpectedFailures = new ConcurrentHashMap<>();

  /** Interviews being worked on; TRUE means "look again when done". */
  private final ConcurrentHashMap<String, Boolean> working = new ConcurrentHashMap<>();

  WorkerLoop(Function<String, Next> reconcile, Timers timers, Executor workers, Clock clock) {
    this.reconcile = reconcile;
    this.timers = timers;
    this.workers = workers;
    this.clock = clock;
  }

  /** Makes sure the interview gets looked at soon. Cheap. */
  void request(String id) {
    boolean[] start = {false};
    working.compute(
        id,
        (k, again) -> {
          if (again == null) {
            start[0] = true;
            return Boolean.FALSE;
          }
          return Boolean.TRUE;
        });
    if (start[0]) {
      workers.execute(() -> drain(id));
    }
  }

  private void drain(String id) {
    // Every log line written while working on this interview carries its id (see logback.xml).
    MDC.put(Lifecycle.LOG_KEY, id);
    try {
      drainLoop(id);
    } finally {
      MDC.remove(Lifecycle.LOG_KEY);
    }
  }

  private void drainLoop(String id) {
    while (true) {
      apply(id, reconcileOrBackOff(id));
      if (working.compute(id, (k, again) -> again ? Boolean.FALSE : null) == null) {
        return;
      }
    }
  }

  /**
   * Reconciles; an exception nobody expected (the database gone, a runtime that cannot even remove
   * a workspace) is logged with its stack trace and retried after a growing delay.
   */
  private Next reconcileOrBackOff(String id) {
    try {
      Next next = reconcile.apply(id);
      unexpectedFailures.remove(id);
      return next;
    } catch (RuntimeException e) {
      int failures = unexpectedFailures.merge(id, 1, Integer::sum);
      Duration delay = backoff(failures);
      log.error(
          "interview {}: reconcile failed (attempt {}), trying again in {} s",
          id,
          failures,
          delay.toSeconds(),
          e);
      return Next.after(delay);
    }
  }

  /** 1 s, 2 s, 4 s ... at most {@link #MAX_BACKOFF}. */
  static Duration backoff(int failures) {
    Duration delay = Duration.ofSeconds(1L << Math.min(Math.max(failures - 1, 0), 6));
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  /** Does what a step asked for: the next step at once, a timer for later, or nothing. */
  private void apply(String id, Next next) {
    if (next instanceof Next.At at) {
      timers.schedule(id, at.when(), () -> request(id));
    } else if (next instanceof Next.After after) {
      timers.schedule(
          id,
          clock.instant().truncatedTo(ChronoUnit.MILLIS).plus(after.delay()),
          () -> request(id));
    } else if (next instanceof Next.Idle) {
      timers.cancel(id);
    } else {
      working.computeIfPresent(id, (k, again) -> Boolean.TRUE); // the loop goes round once more
    }
  }
}
