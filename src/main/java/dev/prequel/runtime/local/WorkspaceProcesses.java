package dev.prequel.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A workspace's running processes, as the state file, the process tree and the cgroups tell them:
 * whether its code-server still runs, how much memory it holds, why it stopped, and stopping all of
 * it.
 */
final class WorkspaceProcesses {

  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final Cgroups cgroups; // null: no limits

  WorkspaceProcesses(Cgroups cgroups) {
    this.cgroups = cgroups;
  }

  /**
   * The state of this folder's code-server if it still runs: same pid, same start, same workspace
   * folder.
   */
  static Optional<RuntimeState> running(InterviewFolder folder) {
    return RuntimeState.read(folder.state())
        .filter(
            state ->
                ProcessTree.live(state.pid(), state.processStart())
                    .map(p -> ownsWorkspace(ProcessTree.commandLine(p), folder))
                    .orElse(false));
  }

  /**
   * Whether a command line is this workspace's: it names the folder. An empty one (read while the
   * process is between the execs of its start: setsid, cgroup join, bwrap) counts as ours; the
   * start time already matched. Taking a starting workspace for dead made it fail under load.
   */
  private static boolean ownsWorkspace(String commandLine, InterviewFolder folder) {
    return commandLine.isBlank() || commandLine.contains(folder.workspace().toString());
  }

  /** Stops every process of the workspace (tree, cgroups, user) and frees its cgroups. */
  void stop(InterviewFolder folder, Consumer<String> log) throws InterruptedException, IOException {
    Optional<ProcessHandle> root =
        RuntimeState.read(folder.state())
            .flatMap(state -> ProcessTree.live(state.pid(), state.processStart()));
    Optional<WorkspaceUsers.User> user = WorkspaceUsers.of(folder);
    int stopped =
        ProcessTree.stop(
            root, folder.root().toString(), () -> sandboxProcesses(folder, user), STOP_GRACE);
    // A workspace stopped while it starts may fork after the others were found (bwrap setting up
    // its sandbox): whatever is still in its cgroups is stopped too, or they cannot be removed.
    for (int round = 0;
        round < 5 && cgroups != null && !cgroups.pids(folder.interviewId()).isEmpty();
        round++) {
      stopped +=
          ProcessTree.stop(
              Optional.empty(),
              folder.root().toString(),
              () -> sandboxProcesses(folder, user),
              STOP_GRACE);
    }
    if (stopped > 0) {
      log.accept("stopped " + stopped + " code-server processes");
    }
    if (cgroups != null) {
      cgroups.remove(folder.interviewId());
    }
  }

  /**
   * What the sandbox holds besides the process tree: everything in its cgroups, and every process
   * of its user (none of them may outlive the workspace, or reach the next one to lease the user).
   */
  private Set<Long> sandboxProcesses(InterviewFolder folder, Optional<WorkspaceUsers.User> user) {
    Set<Long> pids = new LinkedHashSet<>();
    if (cgroups != null) {
      pids.addAll(cgroups.pids(folder.interviewId()));
    }
    user.ifPresent(u -> pids.addAll(ProcessTree.ownedBy(u.uid())));
    return pids;
  }

  /** The resident memory of the running code-server and everything it started. */
  static OptionalLong memoryBytes(InterviewFolder folder) {
    return running(folder)
        .flatMap(state -> ProcessTree.live(state.pid(), state.processStart()))
        .map(
            root ->
                OptionalLong.of(
                    Stream.concat(Stream.of(root), root.descendants())
                        .mapToLong(p -> ProcessTree.residentBytes(p.pid()))
                        .sum()))
        .orElse(OptionalLong.empty());
  }

  /** Why a workspace that ran is no longer running: the kernel's memory killer, or its log. */
  Optional<String> whyStopped(InterviewFolder folder) {
    if (cgroups == null
        || RuntimeState.read(folder.state()).isEmpty()
        || running(folder).isPresent()) {
      return Optional.empty();
    }
    if (cgroups.oomKills(folder.interviewId()) > 0) {
      return Optional.of(
          "killed: out of memory (limit "
              + cgroups.memoryLimitMb(folder.interviewId()).map(String::valueOf).orElse("?")
              + " MiB)");
    }
    return lastLogLine(folder).map(line -> "code-server exited; its log ends: " + line);
  }

  /** The last line code-server wrote (its log holds no secret: it has no password). */
  private static Optional<String> lastLogLine(InterviewFolder folder) {
    try (Stream<String> lines = Files.lines(folder.log(), StandardCharsets.UTF_8)) {
      return lines
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .reduce((first, second) -> second)
          .map(l -> l.length() > 300 ? l.substring(0, 300) + "…" : l);
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /**
   * How many of the workspace's processes the kernel killed for going over its memory limit; the
   * workspace itself may have survived (the biggest process is the one killed).
   */
  long memoryKills(InterviewFolder folder) {
    return cgroups == null ? 0 : cgroups.oomKills(folder.interviewId());
  }
}
