package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceRuntimeContract;
import dev.prequel.testing.TestLocks;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The docker runtime keeps the contract on a real engine: containers of the workspace image, with
 * commands run as the candidate through the Engine's exec; what is left after a destroy is asked of
 * the engine (containers, volumes, networks carrying the interview's label or name).
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class DockerRuntimeContractTest extends WorkspaceRuntimeContract {

  /** The operator's ceiling; the contract's {@link #ASKED} limits fit below it. */
  private static final WorkspaceLimits CEILING = new WorkspaceLimits(1000, 1024, 256);

  private static DockerClient docker;

  @BeforeAll
  static void engine() {
    docker = DockerEngineFixture.engine();
  }

  @Override
  protected WorkspaceRuntime newRuntime() {
    return new DockerRuntime(
        docker,
        DockerRuntime.DEFAULT_IMAGE,
        DockerRuntime.DEFAULT_SUBNETS,
        CEILING,
        Outbound.NONE,
        DockerEngineFixture.disks(),
        null,
        Clock.systemUTC(),
        "drtc");
  }

  @Override
  protected void candidateWrites(String interviewId, String path, String content) throws Exception {
    String base64 = Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8));
    CommandResult r =
        runAsCandidate(
            interviewId,
            "p='"
                + path.replace("'", "'\\''")
                + "'; mkdir -p \"$(dirname \"$p\")\" && echo "
                + base64
                + " | base64 -d > \"$p\"");
    assertThat(r.exit()).as(r.output()).isZero();
  }

  @Override
  protected boolean answers(Workspace workspace) {
    return DockerEngineFixture.healthy(workspace.endpoint());
  }

  @Override
  protected boolean runsCommands() {
    return true;
  }

  @Override
  protected CommandResult runAsCandidate(String interviewId, String script) throws Exception {
    // bash, as the candidate's terminal (the exec itself runs sh)
    String bash = "exec /bin/bash -c '" + script.replace("'", "'\\''") + "'";
    DockerRuntime.ExecResult r =
        ((DockerRuntime) runtime).exec(interviewId, bash, Duration.ofMinutes(5));
    return new CommandResult(r.exitCode(), r.output());
  }

  /**
   * Makes code-server the kernel's first choice (the candidate may raise their own processes'
   * score), then allocates past the limit from the terminal: code-server is killed, and with it the
   * container.
   */
  @Override
  protected void killForMemory(String interviewId) throws Exception {
    runAsCandidate(
        interviewId,
        "for p in $(pgrep -u 1000 node); do echo 1000 > /proc/$p/oom_score_adj; done;"
            + " python3 -c \"x = [b'x' * (1 << 20) for _ in range(4096)]\"; echo exit=$?");
  }

  @Override
  protected SeenLimits limitsInside(String interviewId) {
    HostConfig host =
        docker.inspectContainerCmd(WorkspaceContainer.name(interviewId)).exec().getHostConfig();
    return new SeenLimits((int) (host.getMemory() >> 20), host.getPidsLimit().intValue());
  }

  @Override
  protected List<String> leftovers(String interviewId) {
    List<String> left = new ArrayList<>();
    try {
      docker.inspectContainerCmd(WorkspaceContainer.name(interviewId)).exec();
      left.add("container " + WorkspaceContainer.name(interviewId));
    } catch (NotFoundException gone) {
      // as it should be
    }
    var volumes =
        docker
            .listVolumesCmd()
            .withFilter("label", List.of(WorkspaceContainer.LABEL_OWNER + "=" + interviewId))
            .exec()
            .getVolumes();
    if (volumes != null) {
      volumes.forEach(v -> left.add("volume " + v.getName()));
    }
    docker.listNetworksCmd().exec().stream()
        .filter(n -> interviewId.equals(labels(n.getLabels()).get(WorkspaceContainer.LABEL_OWNER)))
        .forEach(n -> left.add("network " + n.getName()));
    return left;
  }

  private static Map<String, String> labels(Map<String, String> labels) {
    return labels == null ? Map.of() : labels;
  }
}
