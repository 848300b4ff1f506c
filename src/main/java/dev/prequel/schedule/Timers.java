package dev.prequel.schedule;

import java.time.Instant;

/**
 * One pending task per key, run at (or just after) an instant. Timers make the lifecycle prompt;
 * the reconcile pass makes it correct even if a timer is lost.
 */
public interface Timers {

  /** Runs {@code task} at {@code when}, replacing any task pending under the same key. */
  void schedule(String key, Instant when, Runnable task);

  void cancel(String key);
}
