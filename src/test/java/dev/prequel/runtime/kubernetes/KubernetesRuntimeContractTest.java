package dev.prequel.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceRuntimeContract;
import dev.prequel.runtime.docker.DockerEngineFixture;
import dev.prequel.runtime.local.CodeServerInstall;
import dev.prequel.testing.TestCodeServer;
import dev.prequel.testing.TestLocks;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.File;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The kubernetes runtime keeps the contract against fabric8's mock API server, the test playing the
 * kubelet ({@link FakeKubelet}): each workspace pod gets an address on 127.77.0.0/16 where a real
 * code-server listens, so {@code answers} is the proxy's own view; files go in and out through the
 * runtime's own tar command lines, run by {@link LocalPodExec} on a folder standing for the claim.
 *
 * <p>Skipped, and why: the fork-bomb and memory-hog tests need commands run inside a real container
 * under the pod's limits, which neither the mock server nor this host's stand-in can give; {@code
 * killForMemory} is the kubelet's report (container terminated, OOMKilled), not a real kill.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class KubernetesRuntimeContractTest extends WorkspaceRuntimeContract {

  /** The operator's ceiling; the contract's {@link #ASKED} limits fit below it. */
  private static final WorkspaceLimits CEILING = new WorkspaceLimits(1000, 1024, 256);

  @TempDir static Path machine;

  private static MockCluster cluster;
  private static FakeKubelet kubelet;
  private static int port;
  private static final List<KubernetesRuntime> runtimes = new ArrayList<>();

  @BeforeAll
  static void cluster() throws Exception {
    InetAddress first = InetAddress.getByName("127.77.0.2");
    try (ServerSocket probe = new ServerSocket(0, 1, first)) {
      port = probe.getLocalPort();
    }
    cluster = MockCluster.withPolicies();
    kubelet =
        new FakeKubelet(
            cluster.client,
            MockCluster.NAMESPACE,
            machine,
            CodeServerInstall.at(TestCodeServer.dir()),
            port);
  }

  @AfterAll
  static void stop() {
    runtimes.forEach(KubernetesRuntime::close);
    kubelet.close();
    cluster.close();
  }

  @Override
  protected WorkspaceRuntime newRuntime() {
    KubernetesRuntime runtime =
        new KubernetesRuntime(
            cluster.client,
            new KubernetesSettings(
                MockCluster.NAMESPACE,
                "prequel-workspace:4.100.3",
                null,
                null,
                port,
                CEILING,
                Outbound.NONE,
                KubernetesSettings.DEFAULT_START_WAIT),
            new LocalPodExec(kubelet),
            Clock.systemUTC());
    runtimes.add(runtime);
    return runtime;
  }

  @Override
  protected void candidateWrites(String interviewId, String path, String content) throws Exception {
    Path file = kubelet.folderOf(claimOf(interviewId)).resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /**
   * On this host, over the folders standing for the pod's claim and home ({@link LocalPodExec}).
   */
  @Override
  protected CommandResult candidateShell(String interviewId, String script) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder("/bin/bash", "-c", script)
            .directory(kubelet.folderOf(claimOf(interviewId)).toFile())
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder
        .environment()
        .put("HOME", kubelet.homeOf(workspacePod(interviewId).getMetadata().getName()).toString());
    Process p = builder.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new CommandResult(p.exitValue(), out);
  }

  @Override
  protected boolean answers(Workspace workspace) {
    return DockerEngineFixture.healthy(workspace.endpoint());
  }

  @Override
  protected void killForMemory(String interviewId) {
    kubelet.killForMemory(workspacePod(interviewId).getMetadata().getName());
  }

  /** What the pod asks the kubelet for: its memory limit, and the process limit it notes. */
  @Override
  protected SeenLimits limitsInside(String interviewId) {
    Pod pod = workspacePod(interviewId);
    return new SeenLimits(
        (int) PodLifecycle.memoryMb(pod),
        Integer.parseInt(
            pod.getMetadata().getAnnotations().get(WorkspacePods.MAX_PROCESSES_ANNOTATION)));
  }

  @Override
  protected List<String> leftovers(String interviewId) {
    List<String> left = new ArrayList<>();
    var pods = cluster.client.pods().inNamespace(MockCluster.NAMESPACE);
    pods.withLabel(WorkspacePods.OWNER_LABEL, interviewId).list().getItems().stream()
        .forEach(p -> left.add("pod " + p.getMetadata().getName()));
    if (pods.withName(WorkspacePods.name(interviewId)).get() != null) {
      left.add("pod " + WorkspacePods.name(interviewId) + " (by name)");
    }
    var claims = cluster.client.persistentVolumeClaims().inNamespace(MockCluster.NAMESPACE);
    claims.withLabel(WorkspacePods.OWNER_LABEL, interviewId).list().getItems().stream()
        .forEach(c -> left.add("claim " + c.getMetadata().getName()));
    if (claims.withName(WorkspacePods.name(interviewId)).get() != null) {
      left.add("claim " + WorkspacePods.name(interviewId) + " (by name)");
    }
    return left;
  }

  @Override
  protected Duration patience() {
    return Duration.ofSeconds(90);
  }

  private Pod workspacePod(String interviewId) {
    return cluster
        .client
        .pods()
        .inNamespace(MockCluster.NAMESPACE)
        .withLabel(WorkspacePods.OWNER_LABEL, interviewId)
        .list()
        .getItems()
        .stream()
        .filter(p -> !PodWatch.isFilesPod(p))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no pod for " + interviewId));
  }

  private String claimOf(String interviewId) {
    return cluster
        .client
        .persistentVolumeClaims()
        .inNamespace(MockCluster.NAMESPACE)
        .withLabel(WorkspacePods.OWNER_LABEL, interviewId)
        .list()
        .getItems()
        .stream()
        .findFirst()
        .orElseThrow(() -> new AssertionError("no claim for " + interviewId))
        .getMetadata()
        .getName();
  }
}
