package dev.prequel.interview;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The safety net under the timers: compares what the database says should exist with what the
 * runtime runs, and asks the lifecycle to close every gap. Runs at start (adopting what survived a
 * restart) and then periodically.
 */
public final class Reconciler {

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final InterviewStore store;
  private final WorkspaceRuntime runtime;
  private final Lifecycle lifecycle;
  private final Cleaner cleaner;

  public Reconciler(
      InterviewStore store, WorkspaceRuntime runtime, Lifecycle lifecycle, Cleaner cleaner) {
    this.store = store;
    this.runtime = runtime;
    this.lifecycle = lifecycle;
    this.cleaner = cleaner;
  }

  /**
   * The light pass that runs every few seconds: an active interview whose workspace is gone is
   * handed to the lifecycle at once (which restarts it on the same files), not at the next full
   * pass.
   */
  public void checkActiveWorkspaces() {
    Set<String> elsewhere = lifecycle.ownedElsewhere();
    for (Interview i : store.list(EnumSet.of(Status.ACTIVE))) {
      if (!elsewhere.contains(i.id()) && runtime.find(i.id()).isEmpty()) {
        lifecycle.request(i.id());
      }
    }
  }

  public void reconcileOnce() {
    Map<String, Interview> live =
        store
            .list(
                EnumSet.complementOf(EnumSet.of(Status.DESTROYED, Status.CANCELLED, Status.ERROR)))
            .stream()
            .collect(Collectors.toMap(Interview::id, Function.identity()));
    // Another replica's interviews are its to look at (see Ownership).
    Set<String> elsewhere = lifecycle.ownedElsewhere();
    live.keySet().stream().filter(id -> !elsewhere.contains(id)).forEach(lifecycle::request);
    store.listArchiveStates().stream() // files kept until archived
        .filter(id -> !elsewhere.contains(id))
        .forEach(lifecycle::request);
    for (Workspace w : runtime.list()) {
      Interview owner = live.get(w.interviewId());
      if (owner == null || !owner.status().wantsWorkspace()) {
        if (store.find(w.interviewId()).isPresent()) {
          lifecycle.request(
              w.interviewId()); // an ended interview: its final step removes the workspace
        } else {
          removeOrphan(w);
        }
      }
    }
  }

  private void removeOrphan(Workspace w) {
    org.slf4j.MDC.put(Lifecycle.LOG_KEY, w.interviewId());
    try {
      removeOrphanNow(w);
    } finally {
      org.slf4j.MDC.remove(Lifecycle.LOG_KEY);
    }
  }

  /**
   * A workspace with no interview record may still hold a candidate's work: the record can be lost
   * (a database killed right after a commit may not have written it). So it is retired like any
   * other, its files going to the archive under its id before it is removed; if the archive cannot
   * take them, it is only stopped and its files stay where they are.
   */
  private void removeOrphanNow(Workspace w) {
    String id = w.interviewId();
    log.warn("workspace {} belongs to no interview; archiving its files and removing it", id);
    try {
      cleaner.cleanup(
          id,
          "removed: its workspace belonged to no interview",
          line -> log.info("orphan {}: {}", id, line));
    } catch (Cleaner.FilesKept e) {
      log.error("orphan workspace {}: {}", id, e.getMessage(), e);
    } catch (Exception e) {
      log.error("could not remove orphan workspace {}", id, e);
    }
  }
}
