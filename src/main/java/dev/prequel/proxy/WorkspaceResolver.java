package dev.prequel.proxy;

import java.net.URI;
import java.util.Optional;

/**
 * Tells the proxy where the workspace of an interview id answers, if it is one that may be served
 * now.
 */
@FunctionalInterface
public interface WorkspaceResolver {

  /** Where the workspace answers, when its candidate may use it now. */
  Optional<URI> endpointOf(String interviewId);

  /**
   * What the proxy may do for an id: nothing (no such interview, or it ended), show that the
   * workspace is being prepared, or let the candidate in. By default every endpoint is open.
   */
  default Lookup lookup(String interviewId) {
    return endpointOf(interviewId).map(Lookup::open).orElse(Lookup.NONE);
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
    /** Active: the candidate signs in and uses the workspace. */
    OPEN
  }

  /**
   * What {@link #lookup} found.
   *
   * @param endpoint where the workspace answers, when it exists (while preparing: only Prequel's
   *     own readiness probe is let through to it)
   */
  record Lookup(Stage stage, Optional<URI> endpoint) {
    public static final Lookup NONE = new Lookup(Stage.NONE, Optional.empty());

    public static Lookup open(URI endpoint) {
      return new Lookup(Stage.OPEN, Optional.of(endpoint));
    }

    public static Lookup preparing(Optional<URI> endpoint) {
      return new Lookup(Stage.PREPARING, endpoint);
    }
  }
}
