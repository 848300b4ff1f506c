package dev.prequel.archive;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots every active interview, one after another; run every {@code PREQUEL_SNAPSHOT_SECONDS}.
 * A pass still running when the next is due makes that one a no-op.
 */
public final class PeriodicSnapshots implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(PeriodicSnapshots.class);

  private final InterviewStore store;
  private final Snapshots snapshots;
  private final AtomicBoolean running = new AtomicBoolean();

  public PeriodicSnapshots(InterviewStore store, Snapshots snapshots) {
    this.store = store;
    this.snapshots = snapshots;
  }

  @Override
  public void run() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      for (Interview i : store.list(EnumSet.of(Status.ACTIVE))) {
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
}
