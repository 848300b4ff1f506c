package dev.prequel.runtime.local;

import java.io.IOException;
import java.util.List;

/**
 * For tests outside this package that play the candidate: a command in a workspace's sandbox, as
 * its own user, as the candidate's terminal runs it. {@link LocalRuntime#exec} stays
 * package-private: Prequel itself does not run commands in a workspace besides setup yet.
 */
public final class CandidateShell {

  private CandidateShell() {}

  /** Starts {@code command} in {@code interviewId}'s sandbox; its stderr is merged into stdout. */
  public static Process exec(LocalRuntime runtime, String interviewId, List<String> command)
      throws IOException {
    return runtime.exec(interviewId, command);
  }
}
