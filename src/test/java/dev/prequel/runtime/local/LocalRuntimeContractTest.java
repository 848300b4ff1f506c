package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceRuntimeContract;
import dev.prequel.testing.SocketHealth;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The local runtime keeps the contract for real: code-server in its bubblewrap sandbox as a user of
 * its own, in cgroup v1 limits, on its own disk. Commands run as the candidate's terminal runs
 * them, through {@link LocalRuntime#exec}; what is left after a destroy is looked for on the
 * machine itself (/proc, cgroups, mounts, loop devices, the data folder).
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class LocalRuntimeContractTest extends WorkspaceRuntimeContract {

  /** The operator's ceiling; the contract's {@link #ASKED} limits fit below it. */
  private static final WorkspaceLimits CEILING = new WorkspaceLimits(1000, 1024, 256);

  private static Isolation isolation;

  @BeforeAll
  static void detect() {
    isolation = Isolation.detect();
    assertThat(isolation.sandboxed() && isolation.limited())
        .as("this machine must offer the sandbox and cgroups: %s", isolation.missing())
        .isTrue();
  }

  private Path workspaces() {
    return scratch.resolve("data").resolve("workspaces");
  }

  @Override
  protected WorkspaceRuntime newRuntime() {
    return new LocalRuntime(
        workspaces(),
        dev.prequel.testing.TestCodeServer.dir(),
        Clock.systemUTC(),
        isolation,
        new SandboxPolicy(CEILING, Outbound.NONE, true));
  }

  private LocalRuntime local() {
    return (LocalRuntime) runtime;
  }

  @Override
  protected void candidateWrites(String interviewId, String path, String content) throws Exception {
    Process p =
        local()
            .exec(
                interviewId,
                List.of(
                    "/bin/sh",
                    "-c",
                    "mkdir -p \"$(dirname \"$1\")\" && cat > \"$1\"",
                    "write",
                    path));
    try (OutputStream in = p.getOutputStream()) {
      in.write(content.getBytes(StandardCharsets.UTF_8));
    }
    CommandResult r = finish(p);
    assertThat(r.exit()).as(r.output()).isZero();
  }

  @Override
  protected boolean answers(Workspace workspace) {
    return SocketHealth.answers(workspace);
  }

  @Override
  protected boolean runsCommands() {
    return true;
  }

  @Override
  protected CommandResult runAsCandidate(String interviewId, String script) throws Exception {
    return finish(local().exec(interviewId, List.of("/bin/bash", "-c", script)));
  }

  /**
   * Marks code-server's processes as the kernel's first choice when the workspace runs out of
   * memory (as root, from the host), then lets a candidate's process allocate past the limit: the
   * kernel kills code-server, not the allocator.
   */
  @Override
  protected void killForMemory(String interviewId) throws Exception {
    Path procs = cgroup("memory", interviewId).resolve("cgroup.procs");
    for (String pid : Files.readAllLines(procs)) {
      try {
        Files.writeString(Path.of("/proc", pid.strip(), "oom_score_adj"), "1000");
      } catch (IOException gone) {
        // exited meanwhile
      }
    }
    runAsCandidate(
        interviewId, "python3 -c \"x = [b'x' * (1 << 20) for _ in range(4096)]\"; echo exit=$?");
  }

  @Override
  protected SeenLimits limitsInside(String interviewId) throws IOException {
    long bytes =
        Long.parseLong(
            Files.readString(cgroup("memory", interviewId).resolve("memory.limit_in_bytes"))
                .strip());
    int pids =
        Integer.parseInt(Files.readString(cgroup("pids", interviewId).resolve("pids.max")).strip());
    return new SeenLimits((int) (bytes >> 20), pids);
  }

  /** The cgroup a workspace runs in: named after its folder (a claimed spare's, through a link). */
  private Path cgroup(String controller, String interviewId) throws IOException {
    Path named = workspaces().resolve(interviewId);
    String folder =
        Files.isSymbolicLink(named)
            ? Files.readSymbolicLink(named).getFileName().toString()
            : interviewId;
    return isolation.cgroups().resolve(controller).resolve("prequel").resolve(folder);
  }

  @Override
  protected List<String> leftovers(String interviewId) throws IOException {
    List<String> left = new ArrayList<>();
    Path folder = workspaces().resolve(interviewId);
    if (Files.exists(folder, LinkOption.NOFOLLOW_LINKS)) {
      left.add("folder " + folder);
    }
    for (String controller : Cgroups.CONTROLLERS) {
      Path group = isolation.cgroups().resolve(controller).resolve("prequel").resolve(interviewId);
      if (Files.exists(group)) {
        left.add("cgroup " + group);
      }
    }
    for (long pid : CodeServerFixture.processesMentioning(folder.toString())) {
      left.add("process " + pid + ": " + CodeServerFixture.cmdline(pid));
    }
    for (ProcessHandle p : ProcessTree.withMarker(folder.toString())) {
      left.add("process " + p.pid() + " marked for " + folder);
    }
    for (String mount : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      if (mount.contains(folder.toString())) {
        left.add("mount " + mount);
      }
    }
    Path image = workspaces().resolveSibling("disks").resolve(interviewId + ".img");
    if (Files.exists(image)) {
      left.add("disk image " + image);
    }
    try (DirectoryStream<Path> loops = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
      for (Path loop : loops) {
        Path backing = loop.resolve("loop/backing_file");
        if (Files.exists(backing) && Files.readString(backing).contains(image.toString())) {
          left.add("loop device " + loop.getFileName() + " on " + image);
        }
      }
    }
    return left;
  }

  private static CommandResult finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new CommandResult(p.exitValue(), out);
  }
}
