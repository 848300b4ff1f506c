package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.MountType;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceClock;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestLocks;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What Prequel hands a docker workspace's workbench besides the candidate's files (the clock, the
 * open-files extension, the first settings), with and without a disk of its own and on a remote
 * engine; and the clean-up of spares half removed. On the real engine, scope {@code dwb} (its own:
 * two classes on one scope removed each other's containers).
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class DockerWorkbenchFilesTest {

  private static final String SCOPE = DockerEngineFixture.scope("dwb");
  private static final String EXTENSION =
      "$HOME/.local/share/code-server/extensions/prequel.open-files-1.0.0";
  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 1024, 256);

  private final List<String> logLines = new ArrayList<>();
  private DockerClient docker;
  private final List<DockerRuntime> runtimes = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();

  @BeforeEach
  void setUp() {
    docker = DockerEngineFixture.engine();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (DockerRuntime runtime : runtimes) {
      for (String id : ids) {
        runtime.destroy(id, line -> {});
      }
    }
    DockerEngineFixture.removeScope(SCOPE);
  }

  private DockerRuntime runtime(boolean disk, Outbound outbound, Clock clock, String dockerHost) {
    DockerRuntime runtime =
        new DockerRuntime(
            docker,
            DockerRuntime.DEFAULT_IMAGE,
            DockerRuntime.DEFAULT_SUBNETS,
            WorkspaceLimits.DEFAULT,
            outbound,
            disk ? DockerEngineFixture.disks() : null,
            null,
            clock,
            SCOPE,
            dockerHost);
    runtimes.add(runtime);
    return runtime;
  }

  @ParameterizedTest(name = "disk of its own: {0}")
  @ValueSource(booleans = {true, false})
  void clockTheExtensionReadsFollowsTheInterviewsEndAndTheCandidateCannotChangeIt(boolean disk)
      throws Exception {
    String id = disk ? "dwb-clock-disk" : "dwb-clock-volume";
    ids.add(id);
    DockerRuntime runtime = runtime(disk, Outbound.NONE, Clock.systemUTC(), null);
    runtime.provision(new WorkspaceSpec(id, LIMITS), logLines::add);
    Instant ends = Instant.parse("2026-12-02T11:00:00Z");

    runtime.showClock(id, new WorkspaceClock(ends, null));
    assertThat(runtime.exec(id, "cat " + EXTENSION + "/clock.json").output())
        .contains("\"endsAt\":\"2026-12-02T11:00:00Z\"");

    // the interviewer gives ten more minutes: the file the extension reads every second follows
    runtime.showClock(id, new WorkspaceClock(ends.plus(Duration.ofMinutes(10)), null));
    assertThat(runtime.exec(id, "cat " + EXTENSION + "/clock.json").output())
        .contains("\"endsAt\":\"2026-12-02T11:10:00Z\"")
        .doesNotContain("11:00:00");

    var write =
        runtime.exec(
            id,
            "echo '{\"endsAt\":\"2030-01-01T00:00:00Z\"}' > "
                + EXTENSION
                + "/clock.json 2>&1;"
                + " rm -f "
                + EXTENSION
                + "/clock.json 2>&1; cat "
                + EXTENSION
                + "/clock.json");
    assertThat(write.output()).contains("Read-only file system").contains("11:10:00");
  }

  @Test
  void onARemoteEngineTheWorkbenchGetsItsExtensionAndSettingsWithoutAnyHostFolder()
      throws Exception {
    String id = "dwb-remote";
    ids.add(id);
    DockerRuntime runtime =
        runtime(true, Outbound.EGRESS, Clock.systemUTC(), "tcp://engine.example:2376");

    // /healthz names each protection a remote engine lacks
    assertThat(String.join("\n", runtime.describe().missing()))
        .contains("no disk quota")
        .contains("INPUT chain")
        .contains("egress");

    var workspace = runtime.provision(new WorkspaceSpec(id, LIMITS), logLines::add);
    runtime.runSetup(
        id,
        new WorkspaceSetup(
            List.of(), Duration.ofSeconds(30), List.of("README.md"), List.of(), "v1"),
        logLines::add);
    runtime.showClock(id, new WorkspaceClock(Instant.parse("2026-12-02T12:00:00Z"), null));

    // and so does the interview's log
    assertThat(String.join("\n", logLines))
        .contains("no disk quota")
        .contains("no egress: the engine is remote");
    // nothing of this host is bound into the container
    assertThat(docker.inspectContainerCmd("prequel-" + id).exec().getMounts())
        .allSatisfy(m -> assertThat(m.getDriver()).isEqualTo("local"))
        .allSatisfy(m -> assertThat(m.getSource()).startsWith("/var/lib/docker/volumes/"));
    assertThat(
            docker.inspectContainerCmd("prequel-" + id).exec().getHostConfig().getMounts().stream()
                .map(m -> m.getType()))
        .containsOnly(MountType.VOLUME);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> DockerEngineFixture.healthy(workspace.endpoint()));
    var seen =
        runtime.exec(
            id,
            "ls "
                + EXTENSION
                + "; cat "
                + EXTENSION
                + "/files.json; echo;"
                + " grep -c . $HOME/.local/share/code-server/User/settings.json;"
                + " stat -c %u $HOME/.local/share/code-server/extensions;"
                + " touch "
                + EXTENSION
                + "/x /prequel/x 2>&1");
    assertThat(seen.output())
        .contains("extension.js")
        .contains("package.json")
        .contains("clock.json")
        .contains("[\"README.md\"]")
        .contains("1000\n")
        .contains("Read-only file system");
    assertThat(seen.output().lines().filter(l -> l.contains("Read-only file system"))).hasSize(2);
  }

  @Test
  void whatIsLeftOfASpareWithoutItsContainerIsRemovedByTheListPassAfterAGrace() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
    DockerRuntime runtime = runtime(true, Outbound.NONE, clock, null);
    String spare = runtime.startSpare(logLines::add).interviewId();
    ids.add(spare);
    // a crash half-way through its removal: the container went, its volumes and network stayed
    docker.removeContainerCmd("prequel-" + spare).withForce(true).exec();
    assertThat(volumeExists("prequel-" + spare + "-workspace")).isTrue();

    runtime.list();
    assertThat(volumeExists("prequel-" + spare + "-workspace"))
        .as("kept for a while: a spare being made looks the same for a moment")
        .isTrue();

    clock.advance(HalfRemovedSpares.GRACE.plusSeconds(1));
    runtime.list();

    assertThat(volumeExists("prequel-" + spare + "-workspace")).isFalse();
    assertThat(volumeExists("prequel-" + spare + "-home")).isFalse();
    assertThat(networkExists(WorkspaceNetworks.name(spare))).isFalse();
    assertThat(runtime.spares()).doesNotContain(spare);
    assertThat(DockerEngineFixture.disks().resolve(spare + ".img")).doesNotExist();
  }

  private boolean volumeExists(String name) {
    try {
      docker.inspectVolumeCmd(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private boolean networkExists(String name) {
    try {
      docker.inspectNetworkCmd().withNetworkId(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }
}
