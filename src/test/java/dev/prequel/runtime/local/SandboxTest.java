package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Escape attempts from inside a real workspace sandbox (bubblewrap, own user, cgroups), run through
 * the runtime's own launcher as the candidate's terminal would run them. Each must fail.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class SandboxTest {

  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 512, 160);

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String A = TestIds.of("sb-a");
  private static final String B = TestIds.of("sb-b");
  private static final String C = TestIds.of("sb-c");

  @TempDir static Path data;
  static LocalRuntime runtime;
  static Workspace a;
  static Workspace b;

  record Result(int exit, String output) {}

  @BeforeAll
  static void startTwoWorkspaces() throws Exception {
    Files.writeString(data.resolve("prequel.mv.db"), "the portal's database");
    runtime = dev.prequel.testing.SandboxedRuntime.in(data.resolve("workspaces"), LIMITS);
    long begin = System.nanoTime();
    a = runtime.provision(new WorkspaceSpec(A), line -> {});
    await().atMost(Duration.ofSeconds(20)).until(() -> healthy(a));
    System.out.printf(
        "[measure] sandboxed provision -> /healthz 200 over the socket: %d ms%n",
        (System.nanoTime() - begin) / 1_000_000);
    b = runtime.provision(new WorkspaceSpec(B), line -> {});
    await().atMost(Duration.ofSeconds(20)).until(() -> healthy(b));
    Files.writeString(data.resolve("workspaces/" + B + "/workspace/secret.txt"), "b's answer");
  }

  @AfterAll
  static void destroyAll() throws Exception {
    for (Workspace w : runtime.list()) {
      runtime.destroy(w.interviewId(), line -> {});
    }
    runtime.destroy(C, line -> {});
  }

  @Test
  void endpointIsAUnixSocketOfItsUserInAFolderOnlyPrequelCanChange() throws Exception {
    assertThat(a.endpoint().getScheme()).isEqualTo("unix");
    Path socket = Path.of(a.endpoint().getPath()).toRealPath();
    assertThat(socket.getParent().getParent())
        .isEqualTo(data.resolve("workspaces/" + A + "/sockets").toRealPath());
    int uid = WorkspaceUsers.lookup(userOf(A)).orElseThrow().uid();
    assertThat(a.peerUid()).isEqualTo(uid);
    assertThat(Files.getAttribute(socket, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(uid);
    assertThat(Files.getAttribute(socket.getParent(), "unix:uid")).isEqualTo(0);
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket.getParent())))
        .isEqualTo("rwx--x--x");
  }

  @Test
  void aWorkspaceUnderADeepDataFolderAnswersAndLeavesNoLinkBehind() throws Exception {
    // CI's clones sit deep: a socket inside such a folder is past the kernel's 107 bytes.
    Path deep =
        data.resolve("a-data-folder-as-deep-as-an-operator-may-choose")
            .resolve("and-one-more-level-of-it")
            .resolve("workspaces");
    LocalRuntime deepRuntime =
        new LocalRuntime(
            deep,
            dev.prequel.testing.TestCodeServer.dir(),
            Clock.systemUTC(),
            Isolation.detect(),
            new SandboxPolicy(LIMITS, dev.prequel.runtime.Outbound.NONE, true));
    assertThat(deep.resolve("spare-abcdefghijkl/run/code-server.sock").toString())
        .hasSizeGreaterThan(SocketLinks.MAX_SOCKET_PATH);
    Workspace spare = deepRuntime.startSpare(line -> {});
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> healthy(spare));
      Path link = Path.of(spare.endpoint().getPath()).getParent();
      assertThat(link.toRealPath().getParent())
          .isEqualTo(deep.resolve(spare.interviewId()).resolve("sockets").toRealPath());
    } finally {
      deepRuntime.destroy(spare.interviewId(), line -> {});
    }
    assertThat(Path.of(spare.endpoint().getPath()).getParent()).doesNotExist();
  }

  @Test
  void theCandidateIsAnUnprivilegedUserOfItsOwn() throws Exception {
    Result r = inA("id -u; id -un; cat /proc/self/status | grep -E '^(CapEff|NoNewPrivs)'");

    String uid = Integer.toString(WorkspaceUsers.lookup(userOf(A)).orElseThrow().uid());
    assertThat(r.output()).startsWith(uid + "\n" + userOf(A) + "\n");
    assertThat(r.output()).contains("CapEff:\t0000000000000000").contains("NoNewPrivs:\t1");
    assertThat(userOf(A)).isNotEqualTo(userOf(B)).startsWith("prequel-ws-");
  }

  @Test
  void challengeToolsWork() throws Exception {
    Result r =
        inA(
            "node --version && python3 -c 'import sqlite3; print(sqlite3.sqlite_version)'"
                + " && sqlite3 --version && echo PATH=$PATH && touch /workspace/mine && echo ok");

    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("v20.").contains("ok").contains("PATH=/usr/local/bin:");
  }

  @Test
  void cannotReadThePortalsDatabase() throws Exception {
    Result r = inA("cat " + data.resolve("prequel.mv.db") + "; ls " + data);

    assertThat(r.output()).contains("No such file").doesNotContain("the portal's database");
  }

  @Test
  void cannotReadAnotherWorkspacesFiles() throws Exception {
    Path secret = data.resolve("workspaces/" + B + "/workspace/secret.txt");
    Result r =
        inA("cat " + secret + "; cat /workspace/../" + B + "/workspace/secret.txt; ls /home");

    assertThat(r.output()).doesNotContain("b's answer").contains("No such file");
    assertThat(r.output().strip()).endsWith("candidate");
  }

  @Test
  void cannotListRootOrWriteSystemFolders() throws Exception {
    Result r =
        inA("ls /root; touch /usr/x; touch /etc/x; touch /opt/code-server/x; cat /etc/shadow");

    assertThat(r.output())
        .contains("ls: cannot access '/root': No such file or directory")
        .contains("touch: cannot touch '/usr/x': Read-only file system")
        .contains("touch: cannot touch '/etc/x': Read-only file system")
        .contains("touch: cannot touch '/opt/code-server/x': Read-only file system")
        .contains("cat: /etc/shadow: Permission denied");
  }

  @Test
  void cannotConnectToAnotherWorkspacesCodeServer() throws Exception {
    String other = b.endpoint().getPath();
    Result inside = inA(connectScript(other));
    assertThat(inside.output()).contains("refused:").doesNotContain("connected");

    // Even on the host (no sandbox at all), a's user is kept out of b's socket folder.
    Result onHost = asUserOnHost(userOf(A), connectScript(other));
    assertThat(onHost.output()).contains("refused: [Errno 13] Permission denied");
  }

  @Test
  void cannotReachTheHostsNetwork() throws Exception {
    try (ServerSocket portal = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result r =
          inA(
              "python3 -c \"import socket\n"
                  + "for target in [('127.0.0.1', "
                  + portal.getLocalPort()
                  + "), ('1.1.1.1', 80)]:\n"
                  + "  try:\n"
                  + "    socket.create_connection(target, timeout=3); print('connected', target)\n"
                  + "  except OSError as e: print('refused:', e)\"");

      assertThat(r.output()).doesNotContain("connected").contains("refused:");
    }
  }

  @Test
  void codeServerHoldsNoPasswordAndAnotherWorkspacesUserCannotReadItsEnviron() throws Exception {
    long codeServer =
        CodeServerFixture.tree(CodeServerFixture.rootPid(data.resolve("workspaces/" + A))).stream()
            .filter(pid -> CodeServerFixture.cmdline(pid).contains("entry.js"))
            .findFirst()
            .orElseThrow();

    Result fromB = asUserOnHost(userOf(B), "cat /proc/" + codeServer + "/environ");
    assertThat(fromB.output()).contains("Permission denied").doesNotContain("HOME=");
    Result insideB = inB("cat /proc/" + codeServer + "/environ; ls /proc | grep -c '^[0-9]'");
    assertThat(insideB.output()).doesNotContain("HOME=");
    assertThat(CodeServerFixture.cmdline(codeServer)).contains("--auth none");
    for (long pid : CodeServerFixture.tree(codeServer)) {
      assertThat(CodeServerFixture.environment(pid)).doesNotContain("PASSWORD");
    }
  }

  @Test
  void forkingPastThePidsLimitFails() throws Exception {
    Result r =
        inA(
            "n=0; for i in $(seq 1 400); do sleep 60 & [ $? -eq 0 ] && n=$((n+1)); done 2>&1"
                + " | tail -n 2; kill $(jobs -p) 2>/dev/null; echo started=$n");

    assertThat(r.output()).containsIgnoringCase("resource temporarily unavailable");
    await().atMost(Duration.ofSeconds(10)).until(() -> runtime.find(A).isPresent() && healthy(a));
  }

  @Test
  void allocatingPastTheMemoryLimitKillsTheProcessAndIsRecorded() throws Exception {
    long before = runtime.memoryKills(A);

    Result r =
        inA(
            "python3 -c \"x = b'x' * (1024 * 1024 * 1024); print('all' + 'ocated')\"; echo exit=$?");

    assertThat(r.output()).doesNotContain("allocated").contains("exit=137");
    assertThat(runtime.memoryKills(A)).isGreaterThan(before);
    assertThat(runtime.find(A)).isPresent(); // the biggest process dies, not the workspace
  }

  @Test
  void aWorkspaceKilledForMemoryStopsWithThatReason() throws Exception {
    // given a third workspace that started and answers (the kill must not depend on how much
    // code-server takes while it starts: under 48 MiB it was killed on one machine and crawled
    // until a timeout on another)
    Workspace c = runtime.provision(new WorkspaceSpec(C), line -> {});
    await().atMost(Duration.ofSeconds(60)).until(() -> healthy(c));

    // when code-server is the kernel's first choice in the group (it kills the process with the
    // highest score; here that is code-server whatever its size) and the candidate allocates past
    // the workspace's memory limit from inside
    for (long pid :
        CodeServerFixture.tree(CodeServerFixture.rootPid(data.resolve("workspaces/" + C)))) {
      try {
        Files.writeString(Path.of("/proc/" + pid + "/oom_score_adj"), "1000");
      } catch (java.io.IOException e) {
        // exited meanwhile
      }
    }
    Result r = in(C, "python3 -c \"x = b'x' * (1024 * 1024 * 1024)\"; echo exit=$?");

    // then the kernel kills code-server, the workspace stops, and it says why
    assertThat(r.output()).doesNotContain("exit=0");
    await().atMost(Duration.ofSeconds(30)).until(() -> runtime.find(C).isEmpty());
    assertThat(runtime.whyStopped(C))
        .contains("killed: out of memory (limit " + LIMITS.memoryMb() + " MiB)");
    runtime.destroy(C, line -> {});
    assertThat(Path.of("/sys/fs/cgroup/memory/prequel/" + C)).doesNotExist();
  }

  @Test
  void aSetupPastItsTimeoutIsStoppedWithEverythingItStartedInTheSandbox() throws Exception {
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("sleep 301 & (sleep 302 &) ; echo started; sleep 303"),
            Duration.ofSeconds(2),
            List.of(),
            List.of(),
            "timeout-test");
    List<String> log = new ArrayList<>();

    assertThatThrownBy(() -> runtime.runSetup(A, setup, log::add))
        .hasMessageContaining("did not finish within 2 s");

    assertThat(log).contains("  started");
    int uid = WorkspaceUsers.lookup(userOf(A)).orElseThrow().uid();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                ProcessTree.ownedBy(uid).stream()
                    .noneMatch(pid -> CodeServerFixture.cmdline(pid).contains("sleep 30")));
    assertThat(runtime.find(A)).isPresent(); // code-server itself keeps running
  }

  @Test
  void measureIdleRss() throws Exception {
    List<Long> tree =
        CodeServerFixture.tree(CodeServerFixture.rootPid(data.resolve("workspaces/" + B)));
    long kib = tree.stream().mapToLong(CodeServerFixture::rssKib).sum();
    String usage =
        Files.readString(Path.of("/sys/fs/cgroup/memory/prequel/" + B + "/memory.usage_in_bytes"))
            .strip();
    System.out.printf(
        "[measure] sandboxed idle workspace: %d processes, RSS %d MiB, cgroup memory %d MiB%n",
        tree.size(), kib / 1024, Long.parseLong(usage) / (1024 * 1024));
    assertThat(kib).isPositive();
  }

  private static String connectScript(String socket) {
    return "python3 -c \"import socket\n"
        + "s = socket.socket(socket.AF_UNIX)\n"
        + "try:\n"
        + "  s.connect('"
        + socket
        + "'); print('connected')\n"
        + "except OSError as e: print('refused:', e)\"";
  }

  private static String userOf(String id) throws IOException {
    return Files.readString(data.resolve("workspaces").resolve(id).resolve("sandbox-user")).strip();
  }

  private static Result inA(String script) throws Exception {
    return in(A, script);
  }

  private static Result inB(String script) throws Exception {
    return in(B, script);
  }

  private static Result in(String id, String script) throws Exception {
    return finish(runtime.exec(id, List.of("/bin/bash", "-c", script)));
  }

  /** As a workspace's user but outside any sandbox: what file permissions alone allow. */
  private static Result asUserOnHost(String user, String script) throws Exception {
    var u = WorkspaceUsers.lookup(user).orElseThrow();
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid=" + u.uid(),
                "--regid=" + u.gid(),
                "--clear-groups",
                "/bin/bash",
                "-c",
                script));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("PATH", "/usr/bin:/bin");
    return finish(pb.start());
  }

  private static Result finish(Process p) throws Exception {
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("[sandbox] " + out.replace("\n", "\n[sandbox] "));
    return new Result(p.exitValue(), out);
  }

  static boolean healthy(Workspace w) {
    return dev.prequel.testing.SocketHealth.answers(w);
  }
}
