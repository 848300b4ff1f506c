package dev.prequel.runtime;

import java.time.Duration;
import java.util.List;

/**
 * What to do in a workspace after its files are in place, before the candidate arrives.
 *
 * @param commands shell commands run in order in the workspace folder; the first failure stops
 * @param timeout for all commands together
 * @param openFiles files (relative to the workspace) opened in the editor when the candidate
 *     arrives
 * @param reuse folders the commands produce from the challenge's files alone (e.g. {@code
 *     node_modules}): a runtime may keep them from one successful setup and copy them into later
 *     workspaces of the same challenge version instead of running the commands again
 * @param version names the challenge's content; reused folders are kept per version
 */
public record WorkspaceSetup(
    List<String> commands,
    Duration timeout,
    List<String> openFiles,
    List<String> reuse,
    String version) {
  public WorkspaceSetup {
    commands = List.copyOf(commands);
    openFiles = List.copyOf(openFiles);
    reuse = List.copyOf(reuse);
  }

  public static final WorkspaceSetup NONE =
      new WorkspaceSetup(List.of(), Duration.ofMinutes(1), List.of(), List.of(), "none");
}
