package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real code-server (installed by scripts/install-code-server.sh). */
@Tag("slow")
class LocalRuntimeTest {

  private static final String PASSWORD = "correct-horse-battery-staple-7Q";

  @TempDir Path workspacesDir;
  @TempDir Path challenge;

  private final List<String> logLines = new ArrayList<>();
  private final Consumer<String> log = logLines::add;
  private LocalRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    Path codeServerDir = CodeServerInstall.defaultDir();
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
  void provisionedWorkspaceAnswersWithTheChallengeFilesBehindItsPassword() throws Exception {
    long begin = System.nanoTime();
    Workspace workspace = runtime.provision(new WorkspaceSpec("iv-1", PASSWORD), log);
    runtime.configure("iv-1", challenge, log);

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));
    System.out.printf(
        "[measure] provision -> /healthz 200: %d ms%n", (System.nanoTime() - begin) / 1_000_000);

    Path files = workspacesDir.resolve("iv-1/workspace");
    assertThat(files.resolve("README.md")).hasContent("# Two sum\nMake the tests pass.");
    assertThat(files.resolve("src/solution.py")).exists();
    assertThat(files.resolve("challenge.yaml")).doesNotExist();

    HttpResponse<String> root = CodeServerFixture.get(workspace.endpoint(), "/");
    assertThat(root.statusCode()).isEqualTo(302);
    assertThat(root.headers().firstValue("Location"))
        .hasValueSatisfying(l -> assertThat(l).contains("login"));

    HttpResponse<String> right = CodeServerFixture.login(workspace.endpoint(), PASSWORD);
    assertThat(right.statusCode()).isEqualTo(302);
    assertThat(right.headers().allValues("Set-Cookie"))
        .anySatisfy(c -> assertThat(c).startsWith("code-server-session="));

    HttpResponse<String> wrong = CodeServerFixture.login(workspace.endpoint(), "not-the-password");
    assertThat(wrong.statusCode()).isNotEqualTo(302);
    assertThat(wrong.headers().allValues("Set-Cookie"))
        .noneSatisfy(c -> assertThat(c).startsWith("code-server-session="));

    assertThat(logLines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("starting code-server on port " + workspace.endpoint().getPort()));
  }

  @Test
  void passwordAppearsInNoArgvAndNoLog() throws Exception {
    Workspace workspace = runtime.provision(new WorkspaceSpec("iv-2", PASSWORD), log);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));
    CodeServerFixture.login(workspace.endpoint(), PASSWORD);

    List<Long> processes =
        CodeServerFixture.tree(CodeServerFixture.rootPid(workspacesDir.resolve("iv-2")));
    assertThat(processes).hasSizeGreaterThanOrEqualTo(2);
    for (long pid : processes) {
      assertThat(CodeServerFixture.cmdline(pid)).doesNotContain(PASSWORD);
      ProcessHandle.of(pid)
          .flatMap(p -> p.info().arguments())
          .ifPresent(args -> assertThat(String.join(" ", args)).doesNotContain(PASSWORD));
    }
    Path codeServerLog = workspacesDir.resolve("iv-2/code-server.log");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.readString(codeServerLog).contains("HTTP server listening"));
    assertThat(Files.readString(codeServerLog)).doesNotContain(PASSWORD);
    assertThat(String.join("\n", logLines)).doesNotContain(PASSWORD);
    try (Stream<Path> all = Files.walk(workspacesDir.resolve("iv-2"))) {
      for (Path file :
          all.filter(Files::isRegularFile)
              .filter(f -> !f.toString().contains("/user-data/"))
              .toList()) {
        assertThat(Files.readString(file)).as(file.toString()).doesNotContain(PASSWORD);
      }
    }
  }

  @Test
  void candidateGetsSettingsWithoutTrustPromptAndWithReadmeFirst() throws Exception {
    runtime.provision(new WorkspaceSpec("iv-3", PASSWORD), log);

    assertThat(workspacesDir.resolve("iv-3/user-data/User/settings.json"))
        .content()
        .contains("\"workbench.startupEditor\": \"readme\"")
        .contains("\"security.workspace.trust.enabled\": false")
        .contains("\"terminal.integrated.gpuAcceleration\": \"off\"")
        .contains("\"terminal.integrated.enablePersistentSessions\": false")
        .contains("\"telemetry.telemetryLevel\": \"off\"");
  }

  @Test
  void provisioningTwiceKeepsOneProcess() throws Exception {
    Workspace first = runtime.provision(new WorkspaceSpec("iv-4", PASSWORD), log);
    await().atMost(Duration.ofSeconds(10)).until(() -> CodeServerFixture.healthy(first.endpoint()));
    String folder = workspacesDir.resolve("iv-4").toString();
    List<Long> before = CodeServerFixture.processesMentioning(folder);
    assertThat(before).hasSize(1);

    Workspace second = runtime.provision(new WorkspaceSpec("iv-4", PASSWORD), log);

    assertThat(second).isEqualTo(first);
    assertThat(CodeServerFixture.processesMentioning(folder)).isEqualTo(before);
    assertThat(runtime.list()).containsExactly(first);
  }

  @Test
  void restartedPrequelAdoptsRunningWorkspaces() throws Exception {
    Workspace running = runtime.provision(new WorkspaceSpec("iv-5", PASSWORD), log);

    LocalRuntime afterRestart =
        new LocalRuntime(workspacesDir, CodeServerInstall.defaultDir(), Clock.systemUTC());

    assertThat(afterRestart.list()).containsExactly(running);
    assertThat(afterRestart.find("iv-5")).contains(running);
    assertThat(afterRestart.provision(new WorkspaceSpec("iv-5", PASSWORD), log)).isEqualTo(running);
  }

  @Test
  void destroyStopsEveryProcessAndFreesThePort() throws Exception {
    Workspace workspace = runtime.provision(new WorkspaceSpec("iv-6", PASSWORD), log);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> CodeServerFixture.healthy(workspace.endpoint()));
    CodeServerFixture.login(workspace.endpoint(), PASSWORD);
    String folder = workspacesDir.resolve("iv-6").toString();
    List<Long> tree = CodeServerFixture.tree(CodeServerFixture.rootPid(Path.of(folder)));
    assertThat(tree).hasSizeGreaterThanOrEqualTo(2);
    long rss = tree.stream().mapToLong(CodeServerFixture::rssKib).sum();
    System.out.printf("[measure] idle tree: %d processes, RSS %d MiB%n", tree.size(), rss / 1024);

    runtime.destroy("iv-6", log);

    assertThat(CodeServerFixture.processesMentioning(folder)).isEmpty();
    assertThat(tree)
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessTree::isRunning).orElse(false));
    assertThat(portIsFree(workspace.endpoint().getPort())).isTrue();
    assertThat(CodeServerFixture.healthy(workspace.endpoint())).isFalse();
    assertThat(runtime.find("iv-6")).isEmpty();
    assertThat(runtime.list()).isEmpty();
    assertThat(Path.of(folder)).doesNotExist();

    runtime.destroy("iv-6", log); // a second destroy finds nothing to do
    assertThat(runtime.find("iv-6")).isEmpty();
  }

  @Test
  void anotherInterviewKeepsRunningWhenOneIsDestroyed() throws Exception {
    Workspace kept = runtime.provision(new WorkspaceSpec("iv-7", PASSWORD), log);
    runtime.provision(new WorkspaceSpec("iv-7b", PASSWORD), log);

    runtime.destroy("iv-7b", log);

    await().atMost(Duration.ofSeconds(10)).until(() -> CodeServerFixture.healthy(kept.endpoint()));
    assertThat(runtime.list()).containsExactly(kept);
  }

  private static boolean portIsFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return socket.isBound();
    } catch (IOException e) {
      return false;
    }
  }
}
