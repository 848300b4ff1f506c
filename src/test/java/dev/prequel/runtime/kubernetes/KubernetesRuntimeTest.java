package dev.prequel.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.WorkspaceStarting;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubernetes runtime against fabric8's mock API server, the test playing the kubelet (no
 * code-server here: {@link KubernetesRuntimeContractTest} runs real ones): what it asks the cluster
 * for, and how it reads what the cluster says.
 */
class KubernetesRuntimeTest {

  private static final WorkspaceLimits CEILING = new WorkspaceLimits(1000, 1024, 256, 2048);

  @TempDir Path scratch;

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    java.util.Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private KubernetesRuntime runtime(MockCluster cluster, String runtimeClass) throws Exception {
    FakeKubelet kubelet = kubelet(cluster);
    KubernetesRuntime runtime =
        new KubernetesRuntime(
            cluster.client,
            new KubernetesSettings(
                MockCluster.NAMESPACE,
                "registry.example/prequel-workspace:4.100.3",
                runtimeClass,
                null,
                8080,
                CEILING,
                Outbound.EGRESS,
                Duration.ofSeconds(2)),
            new LocalPodExec(kubelet),
            Clock.systemUTC());
    opened.add(runtime);
    return runtime;
  }

  private FakeKubelet kubelet;

  private FakeKubelet kubelet(MockCluster cluster) throws Exception {
    if (kubelet == null) {
      kubelet = new FakeKubelet(cluster.client, MockCluster.NAMESPACE, scratch, null, 8080);
      opened.add(kubelet);
    }
    return kubelet;
  }

  private MockCluster cluster() throws Exception {
    MockCluster cluster = MockCluster.withPolicies();
    opened.add(cluster);
    return cluster;
  }

  @Test
  void aWorkspaceIsOnePodUnderTheRestrictedProfileReachedAtItsAddress() throws Exception {
    MockCluster cluster = cluster();
    KubernetesRuntime runtime = runtime(cluster, "gvisor");

    Workspace workspace =
        runtime.provision(
            new WorkspaceSpec("kr-a", new WorkspaceLimits(500, 384, 200), Outbound.NONE),
            line -> {});

    Pod pod = kubelet.pod("prequel-kr-a");
    assertThat(workspace.endpoint().toString())
        .isEqualTo("http://" + pod.getStatus().getPodIP() + ":8080");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("dev.prequel/interview", "kr-a")
        .containsEntry("dev.prequel/outbound", "none")
        .containsEntry("app.kubernetes.io/component", "workspace");
    var spec = pod.getSpec();
    assertThat(spec.getAutomountServiceAccountToken()).isFalse();
    assertThat(spec.getEnableServiceLinks()).isFalse();
    assertThat(spec.getRuntimeClassName()).isEqualTo("gvisor");
    assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container container = spec.getContainers().get(0);
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getResources().getLimits())
        .containsEntry("memory", new Quantity("384Mi"))
        .containsEntry("cpu", new Quantity("500m"));
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(
            cluster
                .client
                .persistentVolumeClaims()
                .inNamespace(MockCluster.NAMESPACE)
                .withName("prequel-kr-a")
                .get()
                .getSpec()
                .getResources()
                .getRequests())
        .as("the claim is the workspace's disk (the challenge's limit within the operator's)")
        .containsEntry("storage", new Quantity("2048Mi"));
  }

  @Test
  void anInterviewsSecretsAreASecretOfItsOwnInItsPodsEnvironmentAndGoAtStopAndDestroy()
      throws Exception {
    // given an interview with a secret, and another without
    MockCluster cluster = cluster();
    KubernetesRuntime runtime = runtime(cluster, null);
    var secrets = cluster.client.secrets().inNamespace(MockCluster.NAMESPACE);
    WorkspaceSpec withKey =
        new WorkspaceSpec("kr-s")
            .withSecrets(WorkspaceSecrets.of(java.util.Map.of("SC_API_KEY", "sc-k8s-value")));

    // when both start
    runtime.provision(withKey, line -> {});
    runtime.provision(new WorkspaceSpec("kr-t"), line -> {});

    // then the first's pod takes its environment from its own Secret, the value nowhere in a pod
    var secret = secrets.withName("prequel-kr-s-env").get();
    assertThat(secret).isNotNull();
    assertThat(secret.getMetadata().getLabels()).containsEntry("dev.prequel/interview", "kr-s");
    Container container = kubelet.pod("prequel-kr-s").getSpec().getContainers().get(0);
    assertThat(container.getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getSecretRef().getName()).isEqualTo("prequel-kr-s-env"));
    assertThat(io.fabric8.kubernetes.client.utils.Serialization.asJson(kubelet.pod("prequel-kr-s")))
        .doesNotContain("sc-k8s-value");
    assertThat(kubelet.pod("prequel-kr-t").getSpec().getContainers().get(0).getEnvFrom()).isEmpty();
    assertThat(secrets.withName("prequel-kr-t-env").get()).isNull();

    // when it stops, the Secret goes; a start makes it again; destroy removes it for good
    runtime.stop("kr-s", line -> {});
    assertThat(secrets.withName("prequel-kr-s-env").get()).isNull();
    runtime.provision(withKey, line -> {});
    assertThat(secrets.withName("prequel-kr-s-env").get()).isNotNull();
    runtime.destroy("kr-s", line -> {});
    assertThat(secrets.withName("prequel-kr-s-env").get()).isNull();
  }

  @Test
  void noWorkspaceStartsUntilTheOperatorAppliedItsNetworkPolicy() throws Exception {
    MockCluster bare = MockCluster.bare();
    opened.add(bare);
    KubernetesRuntime runtime = runtime(bare, null);

    assertThatThrownBy(() -> runtime.provision(new WorkspaceSpec("kr-b"), line -> {}))
        .hasMessageContaining("NetworkPolicy prequel-workspaces");

    assertThat(bare.client.pods().inNamespace(MockCluster.NAMESPACE).list().getItems()).isEmpty();
    assertThat(runtime.describe().sandboxed()).isFalse();
    assertThat(runtime.describe().missing()).anyMatch(m -> m.contains("prequel-workspaces"));
  }

  @Test
  void aPodNoNodeTakesYetHandsTheWaitBackAndTheNextProvisionAdoptsIt() throws Exception {
    KubernetesRuntime runtime = runtime(cluster(), null);
    kubelet.holdScheduling();

    assertThatThrownBy(() -> runtime.provision(new WorkspaceSpec("kr-c"), line -> {}))
        .isInstanceOf(WorkspaceStarting.class)
        .hasMessageContaining("not running yet");
    assertThat(runtime.find("kr-c")).isEmpty();
    kubelet.resumeScheduling();

    Workspace started = runtime.provision(new WorkspaceSpec("kr-c"), line -> {});
    assertThat(runtime.find("kr-c")).contains(started);
    assertThat(kubelet.pod("prequel-kr-c")).isNotNull();
  }

  @Test
  void aPodKilledForMemorySaysSoAndItsFilesAreStillRead() throws Exception {
    KubernetesRuntime runtime = runtime(cluster(), null);
    runtime.provision(new WorkspaceSpec("kr-d", new WorkspaceLimits(500, 384, 200)), line -> {});
    Path challenge = Files.createDirectories(scratch.resolve("challenge"));
    Files.writeString(challenge.resolve("README.md"), "# hi\n");
    runtime.configure("kr-d", challenge, line -> {});

    kubelet.killForMemory("prequel-kr-d");

    org.awaitility.Awaitility.await().until(() -> runtime.find("kr-d").isEmpty());
    assertThat(runtime.whyStopped("kr-d")).contains("killed: out of memory (limit 384 MiB)");
    List<String> read = new ArrayList<>();
    assertThat(
            runtime.readFiles(
                "kr-d",
                new dev.prequel.runtime.WorkspaceFileVisitor() {
                  @Override
                  public boolean enterFolder(String path) {
                    return true;
                  }

                  @Override
                  public void file(String path, long size, boolean executable, Content content) {
                    read.add(path);
                  }
                }))
        .isTrue();
    assertThat(read).containsExactly("README.md");
    assertThat(kubelet.pod("prequel-kr-d-files"))
        .as("the files pod is gone after the read")
        .isNull();
  }
}
