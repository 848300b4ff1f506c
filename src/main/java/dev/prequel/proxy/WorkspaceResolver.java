package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.util.Optional;

/**
 * Tells the proxy where the workspace of an interview id answers (its endpoint, and who must answer
 * there), if it is one that may be served now.
 */
@FunctionalInterface
public interface WorkspaceResolver {

  /**
   * The workspace (where it answers, and who must answer there), when its candidate may use it now.
   */
  Optional<Workspace> workspaceOf(String interviewId);

  /**
   * What the proxy may do for an id: nothing (no such interview, or it ended), show that the
   * workspace is being prepared, or let the candidate in. By default every endpoint is open.
   */
  default Lookup lookup(String interviewId) {
    return workspaceOf(interviewId).map(Lookup::open).orElse(Lookup.NONE);
  }

  /**
   * The open workspace of an id if this resolver already knows it without any I/O (a cache), else
   * empty: the proxy's fast path asks this on a selector thread, where nothing may block.
   */
  default Optional<Workspace> knownOpen(String interviewId) {
    return Optional.empty();
  }

  /** How far an interview's workspace is for its candidate. */
  enum Stage {
    /** No interview here, or it ended: nothing to show. */
    NONE,
    /**
     * The interview exists but is not active yet (scheduled, starting, its setup running): the
     * candidate sees a "being prepared" page, and neither signs in nor reaches the workspace, so
     * nothing they do can change it before it is handed over (the reuse cache is built then).
     */
    PREPARING,
    /**
     * A take-home waiting for its candidate to press Start: no workspace yet, the start page
     * instead.
     */
    INVITED,
    /** Active: the candidate signs in and uses the workspace. */
    OPEN
  }

  /**
   * What {@link #lookup} found.
   *
   * @param workspace the workspace, when it exists (while preparing: only Prequel's own readiness
   *     probe is let through to it)
   */
  record Lookup(Stage stage, Optional<Workspace> workspace) {
    public static final Lookup NONE = new Lookup(Stage.NONE, Optional.empty());

    public static Lookup open(Workspace workspace) {
      return new Lookup(Stage.OPEN, Optional.of(workspace));
    }

    public static final Lookup INVITED = new Lookup(Stage.INVITED, Optional.empty());

    public static Lookup preparing(Optional<Workspace> workspace) {
      return new Lookup(Stage.PREPARING, workspace);
    }
  }
}
