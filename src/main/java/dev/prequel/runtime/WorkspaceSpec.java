package dev.prequel.runtime;

/**
 * What a workspace should be.
 *
 * @param interviewId owner, also the workspace's name
 * @param password the candidate's password; a runtime passes it by environment, never by argv
 * @param limits what the challenge asks the workspace may use; a runtime holds it to its own
 *     configured limits; null leaves it to those
 * @param outbound the network the challenge asks for; a runtime may allow less; null leaves it to
 *     the runtime's configuration
 */
public record WorkspaceSpec(
    String interviewId, String password, WorkspaceLimits limits, Outbound outbound) {

  /** A workspace with the runtime's default limits and network. */
  public WorkspaceSpec(String interviewId, String password) {
    this(interviewId, password, null, null);
  }

  /** A workspace with these limits and the runtime's default network. */
  public WorkspaceSpec(String interviewId, String password, WorkspaceLimits limits) {
    this(interviewId, password, limits, null);
  }

  @Override
  public String toString() {
    return "WorkspaceSpec[interviewId="
        + interviewId
        + ", password=***, limits="
        + limits
        + ", outbound="
        + outbound
        + "]";
  }
}
