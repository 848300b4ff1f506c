package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Runs real code-server (installed by scripts/install-code-server.sh). */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class LocalRuntimeTest {

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String IV_7B = TestIds.of("lrt-7b");
  private static final String IV_1 = TestIds.of("lrt-1");
  private static final String IV_2 = TestIds.of("lrt-2");
  private static final String IV_3 = TestIds.of("lrt-3");
  private static final String IV_4 = TestIds.of("lrt-4");
  private static final String IV_5 = TestIds.of("lrt-5");
  private static final String IV_6 = TestIds.of("lrt-6");
  private static final String IV_7 = TestIds.of("lrt-7");

  @TempDir Path workspacesDir;
  @TempDir Path challenge;

  private final List<String> logLines = new ArrayList<>();
  private final Consumer<String> log = logLines::add;
  private LocalRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    Path codeServerDir = dev.prequel.testing.TestCodeServer.dir();
    CodeServerInstall.at(codeServerDir); // fails with what to run when code-server is missing
    runtime = new LocalRuntime(workspacesDir, codeServerDir, Clock.systemUTC());
    Files.writeString(challenge.resolve("README.md"), "# Two sum\nMake the tests pass.\n");
    Files.writeString(challenge.resolve("challenge.yaml"), "title: Two sum\n");
    Files.createDirectories(challenge.resolve("src"));
    Files.writeString(
        challenge.resolve("src/solution.py"), "def two_sum(nums, target):\n    pass\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Workspace w : runtime.list()) {
      runtime.destroy(w.interviewId(), line -> {});
    }
  }

  @Test
  void provisionedWorkspaceAnswersWithTheChallengeFilesOnASocketOnlyPrequelReaches()
      throws Exception {
    long begin = System.nanoTime();
    Workspace workspace = runtime.provision(new WorkspaceSpec(IV_1), log);
    runtime.configure(IV_1, challenge, log);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));
    System.out.printf(
        "[measure] provision -> /healthz 200: %d ms%n", (System.nanoTime() - begin) / 1_000_000);

    Path files = workspacesDir.resolve(IV_1 + "/workspace");
    assertThat(files.resolve("README.md")).hasContent("# Two sum\nMake the tests pass.");
    assertThat(files.resolve("src/solution.py")).exists();
    assertThat(files.resolve("challenge.yaml")).doesNotExist();

    // No password of its own: the candidate logs in at Prequel's proxy, the only one that gets in.
    assertThat(workspace.endpoint().getScheme()).isEqualTo("unix");
    Path socket = Path.of(workspace.endpoint().getPath());
    // A short link to the folder's run/ (see SocketLinks), whatever the data folder's depth.
    assertThat(socket.toRealPath())
        .isEqualTo(workspacesDir.resolve(IV_1 + "/run/code-server.sock").toRealPath());
    assertThat(socket.toString().length()).isLessThanOrEqualTo(SocketLinks.MAX_SOCKET_PATH);
    assertThat(Files.getPosixFilePermissions(socket.getParent()))
        .containsExactlyInAnyOrder(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_EXECUTE);
    CodeServerFixture.Answer root = CodeServerFixture.get(workspace.endpoint(), "/");
    assertThat(root.status()).as(root.head()).isEqualTo(302);
    assertThat(root.head()).contains("folder=").doesNotContain("login");
    assertThat(logLines).anySatisfy(l -> assertThat(l).startsWith("starting code-server without"));
  }

  @Test
  void codeServerIsGivenNoPassword() throws Exception {
    Workspace workspace = runtime.provision(new WorkspaceSpec(IV_2), log);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));

    List<Long> processes =
        CodeServerFixture.tree(CodeServerFixture.rootPid(workspacesDir.resolve(IV_2)));
    assertThat(processes).isNotEmpty(); // one Node process at start (CodeServerMain)
    assertThat(CodeServerFixture.cmdline(processes.get(0))).contains("--auth none");
    for (long pid : processes) {
      assertThat(CodeServerFixture.cmdline(pid)).doesNotContain("--auth password");
      assertThat(CodeServerFixture.environment(pid)).doesNotContain("PASSWORD");
    }
    assertThat(workspacesDir.resolve(IV_2 + "/code-server.yaml")).content().contains("auth: none");
  }

  @Test
  void candidateGetsSettingsWithoutTrustPromptAndWithReadmeFirst() throws Exception {
    runtime.provision(new WorkspaceSpec(IV_3), log);

    assertThat(workspacesDir.resolve(IV_3 + "/user-data/User/settings.json"))
        .content()
        .contains("\"workbench.startupEditor\": \"readme\"")
        .contains("\"security.workspace.trust.enabled\": false")
        .contains("\"terminal.integrated.gpuAcceleration\": \"off\"")
        .contains("\"terminal.integrated.enablePersistentSessions\": false")
        .contains("\"telemetry.telemetryLevel\": \"off\"");
  }

  @Test
  void provisioningTwiceKeepsOneProcess() throws Exception {
    Workspace first = runtime.provision(new WorkspaceSpec(IV_4), log);
    await().atMost(Duration.ofSeconds(10)).until(() -> CodeServerFixture.healthy(first.endpoint()));
    String folder = workspacesDir.resolve(IV_4).toString();
    List<Long> before = CodeServerFixture.processesMentioning(folder);
    assertThat(before).hasSize(1);

    Workspace second = runtime.provision(new WorkspaceSpec(IV_4), log);

    assertThat(second).isEqualTo(first);
    assertThat(CodeServerFixture.processesMentioning(folder)).isEqualTo(before);
    assertThat(runtime.list()).containsExactly(first);
  }

  @Test
  void restartedPrequelAdoptsRunningWorkspaces() throws Exception {
    Workspace running = runtime.provision(new WorkspaceSpec(IV_5), log);

    LocalRuntime afterRestart =
        new LocalRuntime(
            workspacesDir, dev.prequel.testing.TestCodeServer.dir(), Clock.systemUTC());

    assertThat(afterRestart.list()).containsExactly(running);
    assertThat(afterRestart.find(IV_5)).contains(running);
    assertThat(afterRestart.provision(new WorkspaceSpec(IV_5), log)).isEqualTo(running);
  }

  @Test
  void destroyStopsEveryProcessAndRemovesTheSocket() throws Exception {
    Workspace workspace = runtime.provision(new WorkspaceSpec(IV_6), log);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));
    String folder = workspacesDir.resolve(IV_6).toString();
    List<Long> tree = CodeServerFixture.tree(CodeServerFixture.rootPid(Path.of(folder)));
    assertThat(tree).isNotEmpty(); // one Node process at start (CodeServerMain)
    long rss = tree.stream().mapToLong(CodeServerFixture::rssKib).sum();
    System.out.printf("[measure] idle tree: %d processes, RSS %d MiB%n", tree.size(), rss / 1024);

    runtime.destroy(IV_6, log);

    assertThat(CodeServerFixture.processesMentioning(folder)).isEmpty();
    assertThat(tree)
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessTree::isRunning).orElse(false));
    assertThat(Path.of(workspace.endpoint().getPath())).doesNotExist();
    assertThat(CodeServerFixture.healthy(workspace.endpoint())).isFalse();
    assertThat(runtime.find(IV_6)).isEmpty();
    assertThat(runtime.list()).isEmpty();
    assertThat(Path.of(folder)).doesNotExist();

    runtime.destroy(IV_6, log); // a second destroy finds nothing to do
    assertThat(runtime.find(IV_6)).isEmpty();
  }

  @Test
  void anotherInterviewKeepsRunningWhenOneIsDestroyed() throws Exception {
    Workspace kept = runtime.provision(new WorkspaceSpec(IV_7), log);
    runtime.provision(new WorkspaceSpec(IV_7B), log);

    runtime.destroy(IV_7B, log);

    await().atMost(Duration.ofSeconds(10)).until(() -> CodeServerFixture.healthy(kept.endpoint()));
    assertThat(runtime.list()).containsExactly(kept);
  }
}
