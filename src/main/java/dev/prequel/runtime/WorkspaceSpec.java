package dev.prequel.runtime;

import java.util.Objects;

/**
 * What a workspace should be. It carries no password: candidates log in at Prequel's proxy, so a
 * workspace needs none and never holds one.
 *
 * @param interviewId owner, also the workspace's name
 * @param limits what the challenge asks the workspace may use; a runtime holds it to its own
 *     configured limits; null leaves it to those
 * @param outbound the network the challenge asks for; a runtime may allow less; null leaves it to
 *     the runtime's configuration
 * @param secrets environment variables for the candidate's processes in this workspace only (not
 *     for the challenge's setup, whose output goes to the interview's log); printed as names only
 */
public record WorkspaceSpec(
    String interviewId, WorkspaceLimits limits, Outbound outbound, WorkspaceSecrets secrets) {

  public WorkspaceSpec {
    secrets = Objects.requireNonNullElse(secrets, WorkspaceSecrets.none());
  }

  /** A workspace with these limits and network, without secrets. */
  public WorkspaceSpec(String interviewId, WorkspaceLimits limits, Outbound outbound) {
    this(interviewId, limits, outbound, WorkspaceSecrets.none());
  }

  /** A workspace with the runtime's default limits and network. */
  public WorkspaceSpec(String interviewId) {
    this(interviewId, null, null);
  }

  /** A workspace with these limits and the runtime's default network. */
  public WorkspaceSpec(String interviewId, WorkspaceLimits limits) {
    this(interviewId, limits, null);
  }

  /** The same workspace with these secrets in its candidate's environment. */
  public WorkspaceSpec withSecrets(WorkspaceSecrets given) {
    return new WorkspaceSpec(interviewId, limits, outbound, given);
  }
}
