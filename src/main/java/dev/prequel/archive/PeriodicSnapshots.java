package dev.prequel.archive;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import dev.prequel.runtime.WorkspaceRuntime;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots every active interview, one after another; run every {@code PREQUEL_SNAPSHOT_SECONDS}.
 * A pass still running when the next is due makes that one a no-op. {@link #noteFullDisks()}, run
 * on a timer of its own, notes in an interview's log when its workspace's disk became full (once,
 * until it has room again): the candidate sees "No space left on device", the interviewer sees why.
 */
public final class PeriodicSnapshots implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(PeriodicSnapshots.class);

  private final InterviewStore store;
  private final Snapshots snapshots;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicBoolean checking = new AtomicBoolean();
  private final WorkspaceRuntime runtime;
  private final Clock clock;
  private final Set<String> full = ConcurrentHashMap.newKeySet();

  /** The interviews this Prequel works on (one of several replicas snapshots its own only). */
  private final Predicate<String> mine;

  public PeriodicSnapshots(
      InterviewStore store, Snapshots snapshots, WorkspaceRuntime runtime, Clock clock) {
    this(store, snapshots, runtime, clock, id -> true);
  }

  public PeriodicSnapshots(
      InterviewStore store,
      Snapshots snapshots,
      WorkspaceRuntime runtime,
      Clock clock,
      Predicate<String> mine) {
    this.mine = mine;
    this.store = store;
    this.snapshots = snapshots;
    this.runtime = runtime;
    this.clock = clock;
  }

  @Override
  public void run() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      for (Interview i : active()) {
        try {
          long begin = System.nanoTime();
          snapshots
              .take(i.id(), Snapshot.PERIODIC)
              .ifPresent(
                  s ->
                      log.debug(
                          "interview {}: snapshot {} ({} files, {} bytes) in {} ms",
                          i.id(),
                          s.id(),
                          s.fileCount(),
                          s.bytes(),
                          (System.nanoTime() - begin) / 1_000_000));
        } catch (Exception e) {
          log.warn("interview {}: periodic snapshot failed: {}", i.id(), e.toString());
        }
      }
    } catch (RuntimeException e) {
      log.warn("periodic snapshot pass failed: {}", e.toString());
    } finally {
      running.set(false);
    }
  }

  /**
   * Notes each active interview's newly full disk in its log: a stat each. Apart from the snapshot
   * pass, which may spend minutes on a disk just filled (CI waited over 60 s for "disk is full"
   * behind one); a check still running when the next is due makes that one a no-op.
   */
  public void noteFullDisks() {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    try {
      active().forEach(i -> noteFullDisk(i.id()));
    } catch (RuntimeException e) {
      log.warn("full-disk check failed: {}", e.toString());
    } finally {
      checking.set(false);
    }
  }

  private List<Interview> active() {
    return store.list(EnumSet.of(Status.ACTIVE)).stream().filter(i -> mine.test(i.id())).toList();
  }

  private void noteFullDisk(String id) {
    Optional<String> why = runtime.diskFull(id);
    if (why.isEmpty()) {
      full.remove(id);
    } else if (full.add(id)) {
      store.appendLog(id, clock.instant(), why.get());
      log.warn("interview {}: {}", id, why.get());
    }
  }
}
