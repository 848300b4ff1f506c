package dev.prequel.runtime;

import java.time.Duration;

/**
 * Thrown by {@link WorkspaceRuntime#provision} (and the steps after it) when the workspace was
 * asked for but does not run yet, such as a pod waiting for a node or an image: the caller should
 * call again after {@link #askAgainIn()} instead of waiting, and the call will adopt what was
 * started. The lifecycle turns it into "look again later", so no worker waits on a scheduler.
 */
public final class WorkspaceStarting extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Duration askAgainIn;

  public WorkspaceStarting(String what, Duration askAgainIn) {
    super(what);
    this.askAgainIn = askAgainIn;
  }

  public Duration askAgainIn() {
    return askAgainIn;
  }
}
