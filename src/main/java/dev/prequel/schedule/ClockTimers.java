package dev.prequel.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** {@link Timers} on a scheduled executor, with delays measured against the injected clock. */
public final class ClockTimers implements Timers, AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ClockTimers.class);

  private final Clock clock;
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "prequel-timers");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();

  public ClockTimers(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void schedule(String key, Instant when, Runnable task) {
    long delayMs = Math.max(0, Duration.between(clock.instant(), when).toMillis());
    var ref = new java.util.concurrent.atomic.AtomicReference<ScheduledFuture<?>>();
    ScheduledFuture<?> future =
        executor.schedule(
            () -> {
              pending.remove(key, ref.get());
              task.run();
            },
            delayMs,
            TimeUnit.MILLISECONDS);
    ref.set(future);
    ScheduledFuture<?> previous = pending.put(key, future);
    if (previous != null) {
      previous.cancel(false);
    }
  }

  @Override
  public void cancel(String key) {
    ScheduledFuture<?> f = pending.remove(key);
    if (f != null) {
      f.cancel(false);
    }
  }

  /**
   * Runs {@code task} every {@code period}, first after {@code initialDelay}. A failing run is
   * logged and the next one still happens.
   */
  @SuppressWarnings(
      "FutureReturnValueIgnored") // each run logs its own failure; nothing waits on it
  public void every(Duration initialDelay, Duration period, Runnable task) {
    executor.scheduleWithFixedDelay(
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.error("periodic task failed", e);
          }
        },
        initialDelay.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Hands {@code task} to {@code executor} every {@code period}, so a long run holds up no other
   * timer; once the executor is shut down (its owner is stopping) the hand-offs are dropped.
   */
  public void every(Duration initialDelay, Duration period, Executor executor, Runnable task) {
    every(
        initialDelay,
        period,
        () -> {
          try {
            executor.execute(task);
          } catch (RejectedExecutionException stopping) {
            // shut down before the timers
          }
        });
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
