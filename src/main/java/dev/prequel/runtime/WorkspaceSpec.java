package dev.prequel.runtime;

/**
 * What a workspace should be.
 *
 * @param interviewId owner, also the workspace's name
 * @param password the candidate's password; a runtime passes it by environment, never by argv
 */
public record WorkspaceSpec(String interviewId, String password) {
  @Override
  public String toString() {
    return "WorkspaceSpec[interviewId=" + interviewId + ", password=***]";
  }
}
