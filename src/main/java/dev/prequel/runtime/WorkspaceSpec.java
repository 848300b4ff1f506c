package dev.prequel.runtime;

/**
 * What a workspace should be.
 *
 * @param interviewId owner, also the workspace's name
 * @param password the candidate's password; a runtime passes it by environment, never by argv
 * @param limits what the workspace may use; null leaves it to the runtime's configured defaults
 *     (the seam for a challenge's own limits)
 */
public record WorkspaceSpec(String interviewId, String password, WorkspaceLimits limits) {

  /** A workspace with the runtime's default limits. */
  public WorkspaceSpec(String interviewId, String password) {
    this(interviewId, password, null);
  }

  @Override
  public String toString() {
    return "WorkspaceSpec[interviewId=" + interviewId + ", password=***, limits=" + limits + "]";
  }
}
