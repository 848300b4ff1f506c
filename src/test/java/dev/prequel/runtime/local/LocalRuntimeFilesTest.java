package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.testing.TestIds;
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

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String IV_1 = TestIds.of("lrf-1");
  private static final String IV_2 = TestIds.of("lrf-2");
  private static final String IV_3 = TestIds.of("lrf-3");
  private static final String IV_4 = TestIds.of("lrf-4");
  private static final String IV_5 = TestIds.of("lrf-5");
  private static final String IV_6 = TestIds.of("lrf-6");
  private static final String IV_7 = TestIds.of("lrf-7");
  private static final String IV_8 = TestIds.of("lrf-8");

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
    runtime.configure(IV_1, challenge, log::add);

    Path files = workspacesDir.resolve(IV_1 + "/workspace");
    assertThat(files.resolve("README.md")).hasContent("# Task");
    assertThat(files.resolve("tests/test_task.py")).exists();
    assertThat(files.resolve("challenge.yaml")).doesNotExist();
    assertThat(log).containsExactly("copied 2 challenge files into the workspace");
  }

  @Test
  void configureAgainKeepsWhatTheCandidateChanged() throws Exception {
    runtime.configure(IV_2, challenge, log::add);
    Path readme = workspacesDir.resolve(IV_2 + "/workspace/README.md");
    Files.writeString(readme, "# Task\nmy notes\n");
    Files.delete(workspacesDir.resolve(IV_2 + "/workspace/tests/test_task.py"));

    runtime.configure(IV_2, challenge, log::add);

    assertThat(readme).hasContent("# Task\nmy notes");
    assertThat(workspacesDir.resolve(IV_2 + "/workspace/tests/test_task.py")).exists();
  }

  @Test
  void setupRunsInTheWorkspaceFolderAndStreamsItsOutput() throws Exception {
    runtime.configure(IV_6, challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("echo made > made.txt && echo hello from setup"),
            java.time.Duration.ofSeconds(10),
            List.of(),
            List.of(),
            "v1");

    runtime.runSetup(IV_6, setup, log::add);

    assertThat(workspacesDir.resolve(IV_6 + "/workspace/made.txt")).hasContent("made");
    assertThat(log).contains("  hello from setup");
  }

  @Test
  void aFailingSetupSaysWhichCommandAndShowsItsOutput() throws Exception {
    runtime.configure(IV_7, challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("echo lockfile is out of date >&2; exit 3"),
            java.time.Duration.ofSeconds(10),
            List.of(),
            List.of(),
            "v1");

    assertThatThrownBy(() -> runtime.runSetup(IV_7, setup, log::add))
        .hasMessageContaining("failed with exit code 3");
    assertThat(log).contains("  lockfile is out of date");
  }

  @Test
  void aSetupPastItsTimeoutIsStopped() throws Exception {
    runtime.configure(IV_8, challenge, log::add);
    var setup =
        new dev.prequel.runtime.WorkspaceSetup(
            List.of("sleep 30"), java.time.Duration.ofMillis(300), List.of(), List.of(), "v1");

    assertThatThrownBy(() -> runtime.runSetup(IV_8, setup, log::add))
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
    runtime.configure(IV_3, challenge, log::add);
    Files.writeString(
        workspacesDir.resolve(IV_3 + "/runtime.json"),
        "{\"pid\":999999999,\"port\":1,\"processStart\":\"2020-01-01T00:00:00Z\",\"startedAt\":\"2020-01-01T00:00:00Z\"}");

    assertThat(runtime.find(IV_3)).isEmpty();
    runtime.destroy(IV_3, log::add);

    assertThat(workspacesDir.resolve(IV_3)).doesNotExist();
  }

  @Test
  void aReusedPidIsNotMistakenForTheWorkspace() throws Exception {
    ProcessHandle self = ProcessHandle.current();
    Files.createDirectories(workspacesDir.resolve(IV_4));
    Files.writeString(
        workspacesDir.resolve(IV_4 + "/runtime.json"),
        "{\"pid\":"
            + self.pid()
            + ",\"port\":1,\"processStart\":\"2020-01-01T00:00:00Z\",\"startedAt\":\"2020-01-01T00:00:00Z\"}");

    assertThat(runtime.find(IV_4)).isEmpty();
    runtime.destroy(IV_4, log::add);
    assertThat(self.isAlive()).isTrue();
  }

  @Test
  void provisionWithoutCodeServerSaysHowToInstallIt() {
    assertThatThrownBy(
            () -> runtime.provision(new dev.prequel.runtime.WorkspaceSpec(IV_5), log::add))
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
            () -> strict.provision(new dev.prequel.runtime.WorkspaceSpec(IV_6), log::add))
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
