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
 */
public record WorkspaceSetup(List<String> commands, Duration timeout, List<String> openFiles) {
  public WorkspaceSetup {
    commands = List.copyOf(commands);
    openFiles = List.copyOf(openFiles);
  }

  public static final WorkspaceSetup NONE =
      new WorkspaceSetup(List.of(), Duration.ofMinutes(1), List.of());
}
