package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What LocalRuntime does with files and folders; needs no code-server. */
class LocalRuntimeFilesTest {

  @TempDir Path workspacesDir;
  @TempDir Path challenge;
  @TempDir Path nowhere;

  private final List<String> log = new ArrayList<>();
  private LocalRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    runtime = new LocalRuntime(workspacesDir, nowhere, Clock.systemUTC());
    Files.writeString(challenge.resolve("README.md"), "# Task\n");
    Files.writeString(challenge.resolve("challenge.yaml"), "title: Task\n");
    Files.createDirectories(challenge.resolve("tests"));
    Files.writeString(challenge.resolve("tests/test_task.py"), "def test(): pass\n");
  }

  @Test
  void configureCopiesTheChallengeButNotItsMetadata() throws Exception {
    runtime.configure("iv-1", challenge, log::add);

    Path files = workspacesDir.resolve("iv-1/workspace");
    assertThat(files.resolve("README.md")).hasContent("# Task");
    assertThat(files.resolve("tests/test_task.py")).exists();
    assertThat(files.resolve("challenge.yaml")).doesNotExist();
    assertThat(log).containsExactly("copied 2 challenge files into the workspace");
  }

  @Test
  void configureAgainKeepsWhatTheCandidateChanged() throws Exception {
    runtime.configure("iv-2", challenge, log::add);
    Path readme = workspacesDir.resolve("iv-2/workspace/README.md");
    Files.writeString(readme, "# Task\nmy notes\n");
    Files.delete(workspacesDir.resolve("iv-2/workspace/tests/test_task.py"));

    runtime.configure("iv-2", challenge, log::add);

    assertThat(readme).hasContent("# Task\nmy notes");
    assertThat(workspacesDir.resolve("iv-2/workspace/tests/test_task.py")).exists();
  }

  @Test
  void setupRunsInTheWorkspaceFolderAndStreamsItsOutput() throws Exception {
    runtime.configure("iv-6", challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("echo made > made.txt && echo hello from setup"),
            java.time.Duration.ofSeconds(10),
            List.of(),
            List.of(),
            "v1");

    runtime.runSetup("iv-6", setup, log::add);

    assertThat(workspacesDir.resolve("iv-6/workspace/made.txt")).hasContent("made");
    assertThat(log).contains("  hello from setup");
  }

  @Test
  void aFailingSetupSaysWhichCommandAndShowsItsOutput() throws Exception {
    runtime.configure("iv-7", challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("echo lockfile is out of date >&2; exit 3"),
            java.time.Duration.ofSeconds(10),
            List.of(),
            List.of(),
            "v1");

    assertThatThrownBy(() -> runtime.runSetup("iv-7", setup, log::add))
        .hasMessageContaining("failed with exit code 3");
    assertThat(log).contains("  lockfile is out of date");
  }

  @Test
  void aSetupPastItsTimeoutIsStopped() throws Exception {
    runtime.configure("iv-8", challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("sleep 30"), java.time.Duration.ofMillis(300), List.of(), List.of(), "v1");

    assertThatThrownBy(() -> runtime.runSetup("iv-8", setup, log::add))
        .hasMessageContaining("did not finish within");
  }

  @Test
  void destroyingWhatWasNeverProvisionedIsFine() throws Exception {
    runtime.destroy("never-started", log::add);

    assertThat(runtime.find("never-started")).isEmpty();
    assertThat(runtime.list()).isEmpty();
  }

  @Test
  void destroyRemovesTheFolderOfAWorkspaceThatNoLongerRuns() throws Exception {
    runtime.configure("iv-3", challenge, log::add);
    Files.writeString(
        workspacesDir.resolve("iv-3/runtime.json"),
        "{\"pid\":999999999,\"port\":1,\"processStart\":\"2020-01-01T00:00:00Z\",\"startedAt\":\"2020-01-01T00:00:00Z\"}");

    assertThat(runtime.find("iv-3")).isEmpty();
    runtime.destroy("iv-3", log::add);

    assertThat(workspacesDir.resolve("iv-3")).doesNotExist();
  }

  @Test
  void aReusedPidIsNotMistakenForTheWorkspace() throws Exception {
    ProcessHandle self = ProcessHandle.current();
    Files.createDirectories(workspacesDir.resolve("iv-4"));
    Files.writeString(
        workspacesDir.resolve("iv-4/runtime.json"),
        "{\"pid\":"
            + self.pid()
            + ",\"port\":1,\"processStart\":\"2020-01-01T00:00:00Z\",\"startedAt\":\"2020-01-01T00:00:00Z\"}");

    assertThat(runtime.find("iv-4")).isEmpty();
    runtime.destroy("iv-4", log::add);
    assertThat(self.isAlive()).isTrue();
  }

  @Test
  void provisionWithoutCodeServerSaysHowToInstallIt() {
    assertThatThrownBy(
            () -> runtime.provision(new dev.prequel.runtime.WorkspaceSpec("iv-5"), log::add))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("scripts/install-code-server.sh");
  }

  @Test
  void aRequiredSandboxThatThisMachineLacksRefusesToStartTheWorkspace() {
    LocalRuntime strict =
        new LocalRuntime(
            workspacesDir,
            nowhere,
            Clock.systemUTC(),
            Isolation.none("bubblewrap (apt-get install -y bubblewrap)"),
            new SandboxPolicy(
                dev.prequel.runtime.WorkspaceLimits.DEFAULT,
                dev.prequel.runtime.Outbound.NONE,
                true));

    assertThatThrownBy(
            () -> strict.provision(new dev.prequel.runtime.WorkspaceSpec("iv-6"), log::add))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "PREQUEL_REQUIRE_SANDBOX is set, but this machine cannot sandbox workspaces: missing"
                + " bubblewrap (apt-get install -y bubblewrap)");
  }

  @Test
  void idsThatCouldLeaveTheWorkspacesFolderAreRefused() {
    for (String id : List.of("../etc", "a/b", "", ".hidden", "a b")) {
      assertThatThrownBy(() -> runtime.configure(id, challenge, log::add))
          .as(id)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
