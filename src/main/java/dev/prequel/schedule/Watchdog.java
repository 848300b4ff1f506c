package dev.prequel.schedule;

import dev.prequel.interview.Interview;
import dev.prequel.interview.Lifecycle;
import dev.prequel.interview.Status;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.store.InterviewStore;
import java.util.EnumSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices within seconds when an active interview's workspace is gone (its process exited) and asks
 * the lifecycle to look: it restarts the workspace on the same files. Cheaper and more frequent
 * than the full reconcile pass.
 */
public final class Watchdog implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);

  private final InterviewStore store;
  private final WorkspaceRuntime runtime;
  private final Lifecycle lifecycle;

  public Watchdog(InterviewStore store, WorkspaceRuntime runtime, Lifecycle lifecycle) {
    this.store = store;
    this.runtime = runtime;
    this.lifecycle = lifecycle;
  }

  @Override
  public void run() {
    try {
      for (Interview i : store.list(EnumSet.of(Status.ACTIVE))) {
        if (runtime.find(i.id()).isEmpty()) {
          lifecycle.request(i.id());
        }
      }
    } catch (RuntimeException e) {
      log.warn("watchdog pass failed: {}", e.toString());
    }
  }
}
