package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Capability;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The docker runtime on a real engine, with real code-server in the workspace image. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class DockerRuntimeTest {

  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 1024, 256);
  private static final List<String> IDS =
      List.of(
          "drt-http",
          "drt-iso",
          "drt-keep",
          "drt-adopt",
          "drt-setup",
          "drt-oom",
          "drt-gone",
          "drt-claim",
          "drt-taken",
          "drt-open");

  @TempDir Path challenge;

  private final List<String> logLines = new ArrayList<>();
  private final List<String> spares = new ArrayList<>();
  private final Consumer<String> log = logLines::add;
  private DockerClient docker;
  private DockerRuntime runtime;

  @BeforeEach
  void setUp() throws IOException {
    docker = DockerEngineFixture.engine();
    runtime = newRuntime();
    Files.writeString(challenge.resolve("README.md"), "# Two sum\nMake the tests pass.\n");
    Files.writeString(challenge.resolve("challenge.yaml"), "title: Two sum\n");
    Files.createDirectories(challenge.resolve("src"));
    Files.writeString(
        challenge.resolve("src/solution.py"), "def two_sum(nums, target):\n    pass\n");
  }

  private DockerRuntime newRuntime() {
    return new DockerRuntime(
        docker,
        DockerRuntime.DEFAULT_IMAGE,
        DockerRuntime.DEFAULT_SUBNETS,
        WorkspaceLimits.DEFAULT,
        Outbound.NONE,
        DockerEngineFixture.disks(),
        null,
        Clock.systemUTC(),
        "drtt");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (runtime != null) {
      for (String id : IDS) {
        runtime.destroy(id, line -> {});
      }
      for (String id : spares) {
        runtime.destroy(id, line -> {});
      }
    }
  }

  @Test
  void provisionedWorkspaceAnswersHttpWithTheChallengeFilesAndNoPassword() throws Exception {
    long begin = System.nanoTime();
    Workspace workspace = runtime.provision(new WorkspaceSpec("drt-http", LIMITS), log);
    long started = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> DockerEngineFixture.healthy(workspace.endpoint()));
    long answered = System.nanoTime();
    System.out.printf(
        "[measure] docker provision (create+start) %d ms, start -> /healthz 200 %d ms%n",
        (started - begin) / 1_000_000, (answered - started) / 1_000_000);
    runtime.configure("drt-http", challenge, log);

    assertThat(workspace.endpoint().getScheme()).isEqualTo("http");
    var root = DockerEngineFixture.get(workspace.endpoint(), "/");
    assertThat(root.statusCode()).isEqualTo(302);
    assertThat(root.headers().firstValue("location").orElse(""))
        .contains("folder=")
        .doesNotContain("login");
    assertThat(files("drt-http"))
        .containsEntry("README.md", "# Two sum\nMake the tests pass.\n")
        .containsKey("src/solution.py")
        .doesNotContainKey("challenge.yaml");
    assertThat(runtime.exec("drt-http", "stat -c %u:%g src/solution.py").output())
        .isEqualTo("1000:1000\n");
    assertThat(runtime.memoryBytes("drt-http").orElse(0)).isGreaterThan(10L << 20);
  }

  @Test
  void containerRunsAsTheCandidateWithoutCapabilitiesOnAReadOnlyRootWithinItsLimits()
      throws Exception {
    runtime.provision(new WorkspaceSpec("drt-iso", LIMITS), log);

    InspectContainerResponse c = docker.inspectContainerCmd("prequel-drt-iso").exec();
    assertThat(c.getConfig().getUser()).isEqualTo("1000:1000");
    var host = c.getHostConfig();
    assertThat(host.getCapDrop()).contains(Capability.ALL);
    assertThat(host.getCapAdd()).isNullOrEmpty();
    assertThat(host.getSecurityOpts()).contains("no-new-privileges:true");
    assertThat(host.getReadonlyRootfs()).isTrue();
    assertThat(host.getPrivileged()).isFalse();
    assertThat(host.getMemory()).isEqualTo(1024L << 20);
    assertThat(host.getMemorySwap()).isEqualTo(1024L << 20);
    assertThat(host.getPidsLimit()).isEqualTo(256L);
    assertThat(host.getNanoCPUs()).isEqualTo(1_000_000_000L);
    // no Docker socket: the interview's two volumes, and Prequel's files read-only
    assertThat(c.getMounts())
        .filteredOn(m -> Boolean.TRUE.equals(m.getRW()))
        .allSatisfy(m -> assertThat(m.getDriver()).isEqualTo("local"))
        .extracting(m -> m.getDestination().getPath())
        .containsExactlyInAnyOrder("/workspace", "/home/candidate");
    assertThat(c.getMounts())
        .filteredOn(m -> !Boolean.TRUE.equals(m.getRW()))
        .extracting(m -> m.getDestination().getPath())
        .containsExactlyInAnyOrder(
            "/prequel",
            "/home/candidate/.local/share/code-server/extensions/prequel.open-files-1.0.0");
    var network = docker.inspectNetworkCmd().withNetworkId("prequel-drt-iso").exec();
    assertThat(network.getInternal()).isTrue();
    assertThat(c.getNetworkSettings().getNetworks()).containsOnlyKeys("prequel-drt-iso");
    // both volumes on one disk of the workspace's own, of its size (ext4 keeps some for itself)
    var df =
        runtime.exec(
            "drt-iso", "df -m --output=size,source /workspace /home/candidate | tail -n 2");
    assertThat(df.output().lines())
        .hasSize(2)
        .allSatisfy(
            line -> {
              long size = Long.parseLong(line.trim().split("\\s+", -1)[0]);
              assertThat(size).isBetween(LIMITS.diskMb() / 2L, (long) LIMITS.diskMb());
            });
  }

  @Test
  void filesSurviveAStopAndAreReadWhileStopped() throws Exception {
    runtime.provision(new WorkspaceSpec("drt-keep", LIMITS), log);
    runtime.configure("drt-keep", challenge, log);
    assertThat(runtime.exec("drt-keep", "echo 'print(42)' > answer.py").exitCode()).isZero();

    runtime.stop("drt-keep", log);

    assertThat(runtime.find("drt-keep")).isEmpty();
    assertThat(files("drt-keep")).containsEntry("answer.py", "print(42)\n");
    Workspace again = runtime.provision(new WorkspaceSpec("drt-keep", LIMITS), log);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> DockerEngineFixture.healthy(again.endpoint()));
    assertThat(runtime.exec("drt-keep", "cat answer.py").output()).isEqualTo("print(42)\n");
    runtime.configure("drt-keep", challenge, log); // again, after a crash: changes are kept
    assertThat(logLines).anySatisfy(l -> assertThat(l).contains("kept 2 existing"));
  }

  @Test
  void restartedPrequelAdoptsRunningWorkspacesAndStartsNothingTwice() throws Exception {
    Workspace first = runtime.provision(new WorkspaceSpec("drt-adopt", LIMITS), log);

    DockerRuntime restarted = newRuntime();

    assertThat(restarted.list()).extracting(Workspace::interviewId).contains("drt-adopt");
    Workspace adopted = restarted.provision(new WorkspaceSpec("drt-adopt", LIMITS), log);
    assertThat(adopted).isEqualTo(first);
    assertThat(restarted.find("drt-adopt")).contains(first);
  }

  @Test
  void setupRunsAsTheCandidateInTheWorkspaceAndAFailureSaysWhich() throws Exception {
    runtime.provision(new WorkspaceSpec("drt-setup", LIMITS), log);
    runtime.configure("drt-setup", challenge, log);

    runtime.runSetup(
        "drt-setup",
        new WorkspaceSetup(
            List.of("id -u > uid.txt && echo made it"),
            Duration.ofSeconds(30),
            List.of(),
            List.of(),
            "v1"),
        log);

    assertThat(files("drt-setup")).containsEntry("uid.txt", "1000\n");
    assertThat(logLines).contains("made it");
    assertThatThrownBy(
            () ->
                runtime.runSetup(
                    "drt-setup",
                    new WorkspaceSetup(
                        List.of("exit 3"), Duration.ofSeconds(30), List.of(), List.of(), "v1"),
                    log))
        .hasMessageContaining("exit 3");
    assertThatThrownBy(
            () ->
                runtime.runSetup(
                    "drt-setup",
                    new WorkspaceSetup(
                        List.of("sleep 60"), Duration.ofSeconds(2), List.of(), List.of(), "v1"),
                    log))
        .hasMessageContaining("past its 2 s");
  }

  @Test
  void theWorkbenchOpensTheChallengesFilesFromReadOnlyFilesAndKeepsTheCandidatesSettings()
      throws Exception {
    runtime.provision(new WorkspaceSpec("drt-open", LIMITS), log);
    runtime.configure("drt-open", challenge, log);
    String extension = "$HOME/.local/share/code-server/extensions/prequel.open-files-1.0.0";
    String settings = "$HOME/.local/share/code-server/User/settings.json";

    runtime.runSetup(
        "drt-open",
        new WorkspaceSetup(
            List.of(), Duration.ofSeconds(30), List.of("src/solution.py"), List.of(), "v1"),
        log);

    assertThat(runtime.exec("drt-open", "cat " + extension + "/files.json").output())
        .isEqualTo("[\"src/solution.py\"]\n");
    var write =
        runtime.exec(
            "drt-open",
            "echo '[\"/etc/passwd\"]' > " + extension + "/files.json; touch /prequel/x 2>&1");
    assertThat(write.output()).contains("Read-only file system");
    assertThat(runtime.exec("drt-open", "ls " + extension).output())
        .contains("extension.js")
        .contains("package.json");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> runtime.exec("drt-open", "cat " + settings).output().contains("startupEditor"));
    assertThat(runtime.exec("drt-open", "echo '{\"mine\": 1}' > " + settings).exitCode()).isZero();
    runtime.stop("drt-open", log);
    runtime.provision(new WorkspaceSpec("drt-open", LIMITS), log);
    assertThat(runtime.exec("drt-open", "cat " + settings).output())
        .as("seeded only when absent")
        .isEqualTo("{\"mine\": 1}\n");
  }

  @Test
  void aWorkspaceKilledForMemoryStopsWithThatReason() throws Exception {
    runtime.provision(new WorkspaceSpec("drt-oom", new WorkspaceLimits(1000, 32, 256)), log);

    await().atMost(Duration.ofSeconds(60)).until(() -> runtime.whyStopped("drt-oom").isPresent());

    assertThat(runtime.whyStopped("drt-oom")).contains("killed: out of memory (limit 32 MiB)");
    assertThat(runtime.find("drt-oom")).isEmpty();
  }

  @Test
  void destroyRemovesContainerVolumesAndNetworkAndMayRunTwice() throws Exception {
    runtime.provision(new WorkspaceSpec("drt-gone", LIMITS), log);

    runtime.destroy("drt-gone", log);
    runtime.destroy("drt-gone", log);

    assertThat(runtime.find("drt-gone")).isEmpty();
    assertThat(runtime.readFiles("drt-gone", collector(new TreeMap<>()))).isFalse();
    for (String volume : List.of("prequel-drt-gone-workspace", "prequel-drt-gone-home")) {
      assertThatThrownBy(() -> docker.inspectVolumeCmd(volume).exec())
          .isInstanceOf(NotFoundException.class);
    }
    assertThat(docker.listNetworksCmd().withNameFilter("prequel-drt-gone").exec()).isEmpty();
  }

  @Test
  void aSpareServesOnlyChallengesWithItsDiskAndAHalfRemovedSpareIsListedForRemoval()
      throws Exception {
    Workspace spare = runtime.startSpare(log);
    spares.add(spare.interviewId());
    var otherDisk = new WorkspaceLimits(1000, 1024, 256, 1024);

    boolean claimed =
        runtime.claim(spare.interviewId(), new WorkspaceSpec("drt-claim", otherDisk), log);

    assertThat(claimed).as("its disk cannot change: that challenge starts cold").isFalse();
    assertThat(runtime.find("drt-claim")).isEmpty();
    assertThat(runtime.spares()).contains(spare.interviewId());
    // a crash between removing its container and its volumes: the pool still finds it
    docker.removeContainerCmd("prequel-" + spare.interviewId()).withForce(true).exec();
    assertThat(runtime.spares()).contains(spare.interviewId());
    runtime.destroy(spare.interviewId(), log);
    assertThat(runtime.spares()).doesNotContain(spare.interviewId());
    assertThatThrownBy(
            () -> docker.inspectVolumeCmd("prequel-" + spare.interviewId() + "-workspace").exec())
        .isInstanceOf(NotFoundException.class);
  }

  @Test
  void aClaimedSparesIdCannotStartASecondContainerOnTheInterviewsFiles() throws Exception {
    Workspace spare = runtime.startSpare(log);
    spares.add(spare.interviewId());
    assertThat(runtime.claim(spare.interviewId(), new WorkspaceSpec("drt-taken", LIMITS), log))
        .isTrue();
    runtime.exec("drt-taken", "echo mine > answer.txt");

    assertThatThrownBy(() -> runtime.provision(new WorkspaceSpec(spare.interviewId()), log))
        .hasMessageContaining("claimed");

    assertThat(runtime.list()).extracting(Workspace::interviewId).contains("drt-taken");
    assertThat(runtime.list())
        .extracting(Workspace::interviewId)
        .doesNotContain(spare.interviewId());
    assertThat(files("drt-taken")).containsEntry("answer.txt", "mine\n");
    assertThat(docker.inspectContainerCmd("prequel-drt-taken").exec().getHostConfig().getMemory())
        .as("the interview's limits, set on the running container")
        .isEqualTo(1024L << 20);
  }

  private Map<String, String> files(String id) throws IOException {
    Map<String, String> files = new TreeMap<>();
    assertThat(runtime.readFiles(id, collector(files))).isTrue();
    return files;
  }

  private static WorkspaceFileVisitor collector(Map<String, String> files) {
    return new WorkspaceFileVisitor() {
      @Override
      public boolean enterFolder(String path) {
        return true;
      }

      @Override
      public void file(String path, long size, boolean executable, Content content)
          throws IOException {
        try (var in = content.open()) {
          files.put(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    };
  }
}
