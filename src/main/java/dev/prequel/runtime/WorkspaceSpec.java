package dev.prequel.runtime;

/**
 * What a workspace should be. It carries no password: candidates log in at Prequel's proxy, so a
 * workspace needs none and never holds one.
 *
 * @param interviewId owner, also the workspace's name
 * @param limits what the workspace may use; null leaves it to the runtime's configured defaults
 *     (the seam for a challenge's own limits)
 */
public record WorkspaceSpec(String interviewId, WorkspaceLimits limits) {

  /** A workspace with the runtime's default limits. */
  public WorkspaceSpec(String interviewId) {
    this(interviewId, null);
  }
}
