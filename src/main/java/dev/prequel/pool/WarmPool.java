package dev.prequel.pool;

import dev.prequel.runtime.SpareIds;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code size} spare workspaces started and answering, so that a new interview takes one
 * instead of waiting for a code-server to start. Spares are the runtime's own workspaces (same
 * sandbox, same limits), started one at a time in the background; taking one never waits for a
 * refill. After a restart of Prequel, spares still running are taken back into the pool and the
 * rest removed. Replicas sharing a runtime each keep a pool of their own: {@link SpareOwners} says
 * which spares are whose, so a pool takes back, hands out and removes only its own (and a dead
 * replica's). A runtime without spares, or a size of 0, makes every workspace start cold.
 */
public final class WarmPool {

  private static final Logger log = LoggerFactory.getLogger(WarmPool.class);
  private static final Duration PROBE_INTERVAL = Duration.ofMillis(50);
  private static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(10);

  /**
   * How long a refill waits after a spare was handed out: the claimed workspace is being configured
   * (files copied in, setup run) while the candidate waits, and a spare started at that moment
   * competes with it for the machine (a container's start and code-server's boot take a few
   * CPU-seconds).
   */
  static final Duration REFILL_AFTER_CLAIM = Duration.ofSeconds(1);

  private final WorkspaceRuntime runtime;
  private final int size;
  private final Predicate<Workspace> answers;
  private final Duration readyTimeout;
  private final ConcurrentLinkedDeque<String> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger starting = new AtomicInteger();
  private final AtomicLong taken = new AtomicLong();
  private final AtomicLong missed = new AtomicLong();
  private final SpareOwners owners;
  private volatile ScheduledExecutorService background;

  /** One Prequel: every spare on the runtime is this pool's. */
  public WarmPool(
      WorkspaceRuntime runtime, int size, Predicate<Workspace> answers, Duration readyTimeout) {
    this(runtime, size, answers, readyTimeout, SpareOwners.sole());
  }

  /**
   * @param answers whether a spare's IDE answers (probed directly, spares have no public address)
   * @param readyTimeout how long a spare may take to answer before it is given up and replaced
   * @param owners which spares are this pool's, when replicas share the runtime
   */
  public WarmPool(
      WorkspaceRuntime runtime,
      int size,
      Predicate<Workspace> answers,
      Duration readyTimeout,
      SpareOwners owners) {
    this.owners = owners;
    this.runtime = runtime;
    this.size = runtime.hasSpares() ? size : 0;
    this.answers = answers;
    this.readyTimeout = readyTimeout;
  }

  /** Takes back what survived a restart, then fills up, all in the background. */
  public void start() {
    if (!runtime.hasSpares()) {
      return;
    }
    background =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "prequel-pool");
              t.setDaemon(true);
              return t;
            });
    background.execute(this::adoptLeftovers);
    refill();
  }

  /**
   * Hands a spare to this interview, if one is waiting; false means: start it cold. The pool
   * refills in the background ({@link #REFILL_AFTER_CLAIM} after a spare was handed out).
   */
  public boolean claimFor(WorkspaceSpec spec, Consumer<String> interviewLog) throws Exception {
    // A spare's processes started without the interview's secrets, and no runtime can add them to
    // a running process's environment: such an interview starts cold.
    if (size == 0 || !spec.secrets().isEmpty()) {
      return false;
    }
    boolean handedOut = false;
    try {
      for (String spare = idle.pollFirst(); spare != null; spare = idle.pollFirst()) {
        if (runtime.find(spare).isEmpty()) {
          discard(spare, "its process exited while it waited");
          continue;
        }
        boolean handed;
        try {
          handed = owners.handOver(spare);
        } catch (RuntimeException e) {
          idle.addFirst(spare); // the database is away: start this one cold, keep the spare
          log.warn("pool: cannot hand {} over: {}", spare, e.toString());
          return false;
        }
        if (!handed) {
          // Another replica took it over (this one was not seen for a while): its now.
          log.info("pool: {} is another replica's now", spare);
          continue;
        }
        if (runtime.claim(spare, spec, interviewLog)) {
          owners.forget(spare);
          taken.incrementAndGet();
          log.info("pool: {} claimed {}", spec.interviewId(), spare);
          handedOut = true;
          refillLater(REFILL_AFTER_CLAIM);
          return true;
        }
        owners.handBack(spare);
        idle.addFirst(spare); // the interview already has a workspace: keep the spare
        return false;
      }
      missed.incrementAndGet();
      return false;
    } finally {
      if (!handedOut) {
        refill();
      }
    }
  }

  /** Drops spares whose process exited and fills up again; for the periodic reconcile. */
  public void maintain() {
    try {
      owners.stillHere();
    } catch (RuntimeException e) {
      log.warn(
          "pool: cannot record that this replica's spares are still its own: {}", e.toString());
    }
    for (String spare : idle) {
      if (runtime.find(spare).isEmpty() && idle.remove(spare)) {
        discard(spare, "its process exited while it waited");
      }
    }
    refill();
  }

  /** How many spares the pool keeps. */
  public int size() {
    return size;
  }

  /** Spares started and answering, waiting for an interview. */
  public int idle() {
    return idle.size();
  }

  /** Spares being started right now. */
  public int starting() {
    return starting.get();
  }

  /** Interviews that got a spare. */
  public long taken() {
    return taken.get();
  }

  /** Interviews that found the pool empty (and started cold). */
  public long missed() {
    return missed.get();
  }

  /**
   * Stops filling. The spares keep running, as after a crash (the next start takes them back),
   * unless {@code destroySpares}.
   */
  public void stop(boolean destroySpares) {
    ScheduledExecutorService b = background;
    if (b != null) {
      b.shutdownNow();
      try {
        b.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (destroySpares) {
      idle.clear();
      // Only this replica's: the others' pools keep theirs on a shared runtime.
      runtime.spares().stream()
          .filter(owners::take)
          .forEach(spare -> discard(spare, "Prequel stops"));
    }
  }

  /** {@link #refill} after a pause; at once when the pool is not running. */
  private void refillLater(Duration pause) {
    ScheduledExecutorService b = background;
    if (b == null || b.isShutdown()) {
      return;
    }
    try {
      var unused = b.schedule(this::refill, pause.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopping
    }
  }

  private void refill() {
    ScheduledExecutorService b = background;
    if (b == null || b.isShutdown()) {
      return;
    }
    int wanted = size - idle.size() - starting.get();
    for (int n = 0; n < wanted; n++) {
      starting.incrementAndGet();
      try {
        b.execute(this::startOne);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        starting.decrementAndGet(); // stopping
        return;
      }
    }
  }

  /** Starts one spare and waits until it answers; runs on the pool's one thread. */
  private void startOne() {
    Workspace spare = null;
    String id = SpareIds.next();
    try {
      if (idle.size() >= size) {
        return; // filled meanwhile (e.g. by leftovers taken back)
      }
      // Recorded as this replica's before it exists: a replica starting meanwhile on the same
      // runtime must not take a spare in the making for a leftover and remove it.
      if (!owners.take(id)) {
        throw new IllegalStateException("another replica recorded " + id + " as its own");
      }
      spare = runtime.startSpare(id, line -> log.debug("pool: {}", line));
      long deadline = System.nanoTime() + readyTimeout.toNanos();
      while (!answers.test(spare)) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "it did not answer within " + readyTimeout.toSeconds() + " s");
        }
        if (runtime.find(spare.interviewId()).isEmpty()) {
          throw new IllegalStateException("its process exited while starting");
        }
        Thread.sleep(PROBE_INTERVAL.toMillis()); // pacing a probe of a process, not a test
      }
      if (!owners.take(spare.interviewId())) {
        throw new IllegalStateException("another replica recorded it as its own");
      }
      idle.addLast(spare.interviewId());
      log.info("pool: {} is ready ({} of {} waiting)", spare.interviewId(), idle.size(), size);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopping: the spare is taken back at the next start
    } catch (Exception e) {
      log.warn(
          "pool: could not start a spare workspace: {}; trying again in {} s",
          e.getMessage(),
          RETRY_AFTER_FAILURE.toSeconds());
      if (spare != null) {
        discard(spare.interviewId(), "it failed to start");
      } else {
        forgetQuietly(id);
      }
      ScheduledExecutorService b = background;
      if (b != null && !b.isShutdown()) {
        var unused =
            b.schedule(this::refill, RETRY_AFTER_FAILURE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      starting.decrementAndGet();
    }
  }

  private void adoptLeftovers() {
    for (String spare : runtime.spares()) {
      if (!owners.take(spare)) {
        continue; // a live replica's spare, on a runtime they share
      }
      Optional<Workspace> running = runtime.find(spare);
      if (running.isPresent() && idle.size() < size && answers.test(running.get())) {
        idle.addLast(spare);
        log.info("pool: took back {}, started before the restart", spare);
      } else {
        discard(spare, running.isPresent() ? "the pool is full" : "it no longer runs");
      }
    }
  }

  private void forgetQuietly(String spare) {
    try {
      owners.forget(spare);
    } catch (RuntimeException e) {
      log.warn("pool: cannot forget {}: {}", spare, e.toString());
    }
  }

  private void discard(String spare, String why) {
    try {
      runtime.destroy(spare, line -> log.debug("pool: {}: {}", spare, line));
      owners.forget(spare);
      log.info("pool: removed {}: {}", spare, why);
    } catch (Exception e) {
      log.warn("pool: could not remove {}: {}", spare, e.toString());
    }
  }
}
