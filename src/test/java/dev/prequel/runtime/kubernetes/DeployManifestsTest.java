package dev.prequel.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.runtime.Outbound;
import dev.prequel.store.SecretBox;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/kubernetes} renders (with {@code kubectl kustomize} where this machine has kubectl,
 * else file by file) and holds what the issue asks: Prequel's pods and the workspaces' under the
 * restricted profile, the network and the secret as documented. The Role's verbs are checked
 * against what the runtime does in {@link RoleVerbsTest}.
 */
class DeployManifestsTest {

  private static List<HasMetadata> objects;
  private static boolean renderedByKustomize;

  @BeforeAll
  static void render() throws Exception {
    objects = kustomize();
    renderedByKustomize = objects != null;
    if (objects == null) {
      objects = new ArrayList<>();
      for (String file : resources()) {
        objects.addAll(Manifests.read(MockCluster.DEPLOY.resolve(file)));
      }
    }
  }

  /** The output of {@code kubectl kustomize}, or null without kubectl. */
  private static List<HasMetadata> kustomize() throws Exception {
    Process p;
    try {
      p =
          new ProcessBuilder("kubectl", "kustomize", MockCluster.DEPLOY.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (java.io.IOException noKubectl) {
      return null;
    }
    byte[] yaml = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize deploy/kubernetes failed");
    }
    return Manifests.parse(new ByteArrayInputStream(yaml));
  }

  private static List<String> resources() throws Exception {
    return Files.readAllLines(MockCluster.DEPLOY.resolve("kustomization.yaml")).stream()
        .map(String::strip)
        .filter(l -> l.startsWith("- ") && l.endsWith(".yaml"))
        .map(l -> l.substring(2))
        .toList();
  }

  private static <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  private static <T extends HasMetadata> T one(Class<T> kind, String name) {
    return all(kind).stream()
        .filter(o -> o.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind.getSimpleName() + " " + name));
  }

  @Test
  void everythingTheIssueAsksForIsThereInPrequelsNamespace() {
    assertThat(objects)
        .extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .contains(
            "Namespace/prequel",
            "Deployment/prequel",
            "Service/prequel",
            "Ingress/prequel",
            "ServiceAccount/prequel",
            "Role/prequel-workspaces",
            "RoleBinding/prequel-workspaces",
            "NetworkPolicy/prequel-workspaces",
            "NetworkPolicy/prequel-workspace-egress",
            "NetworkPolicy/prequel-server",
            "PodDisruptionBudget/prequel",
            "Secret/prequel-secret-key");
    if (renderedByKustomize) {
      assertThat(objects)
          .filteredOn(o -> !(o instanceof Namespace))
          .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("prequel"));
    }
  }

  @Test
  void theNamespaceEnforcesTheRestrictedProfileOnEveryPod() {
    assertThat(one(Namespace.class, "prequel").getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
  }

  @Test
  void prequelRunsAsOneReplicaUnderTheRestrictedProfileWithItsOwnAccountAndTheSecretKey() {
    Deployment deployment = one(Deployment.class, "prequel");
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container prequel = pod.getContainers().get(0);

    assertThat(deployment.getSpec().getReplicas()).as("H2 until PostgreSQL").isEqualTo(1);
    assertThat(pod.getServiceAccountName()).isEqualTo("prequel");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(prequel.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(prequel.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(prequel.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(prequel.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    Map<String, EnvVar> env = new java.util.HashMap<>();
    prequel.getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("PREQUEL_RUNTIME").getValue()).isEqualTo("kubernetes");
    var secretRef = env.get("PREQUEL_SECRET_KEY").getValueFrom().getSecretKeyRef();
    assertThat(one(Secret.class, secretRef.getName()).getStringData())
        .containsKey(secretRef.getKey());
    assertThat(one(RoleBinding.class, "prequel-workspaces").getSubjects())
        .anySatisfy(s -> assertThat(s.getName()).isEqualTo(pod.getServiceAccountName()));
  }

  @Test
  void theShippedSecretIsAPlaceholderPrequelRefusesSoNoSharedKeyShips(@TempDir Path data) {
    String placeholder =
        one(Secret.class, "prequel-secret-key").getStringData().get("PREQUEL_SECRET_KEY");

    assertThatThrownBy(() -> SecretBox.load(placeholder, data))
        .hasMessageContaining("PREQUEL_SECRET_KEY");
  }

  @Test
  void theIngressServesThePortalAndEveryWorkspaceHostWithOneWildcard() {
    Ingress ingress = one(Ingress.class, "prequel");

    assertThat(ingress.getSpec().getRules())
        .extracting(IngressRule::getHost)
        .contains("prequel.example.com", "*.prequel.example.com");
    assertThat(ingress.getSpec().getTls().get(0).getHosts()).contains("*.prequel.example.com");
  }

  @Test
  void workspacePodsAreReachedOnlyFromPrequelsPodsAndReachNothingByDefault() {
    NetworkPolicy policy = one(NetworkPolicy.class, KubernetesRuntime.POLICY);
    Map<String, String> prequelPods =
        one(Deployment.class, "prequel").getSpec().getTemplate().getMetadata().getLabels();

    assertThat(WorkspacePods.labels("kr-x", WorkspacePods.ROLE_WORKSPACE, Outbound.NONE))
        .as("the policy selects every pod the runtime makes")
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getSpec().getEgress()).isEmpty();
    assertThat(policy.getSpec().getIngress()).hasSize(1);
    List<NetworkPolicyPeer> from = policy.getSpec().getIngress().get(0).getFrom();
    assertThat(from).hasSize(1);
    assertThat(from.get(0).getIpBlock()).isNull();
    assertThat(from.get(0).getNamespaceSelector()).isNull();
    assertThat(prequelPods).containsAllEntriesOf(from.get(0).getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress().get(0).getPorts())
        .singleElement()
        .satisfies(
            p -> assertThat(p.getPort().getIntVal()).isEqualTo(KubernetesSettings.DEFAULT_PORT));
  }

  @Test
  void onlyAWorkspaceAskingForTheNetworkGetsEgressAndNeverToTheMetadataAddress() {
    NetworkPolicy egress = one(NetworkPolicy.class, "prequel-workspace-egress");

    assertThat(egress.getSpec().getPodSelector().getMatchLabels())
        .containsEntry(WorkspacePods.OUTBOUND_LABEL, Outbound.EGRESS.wireName());
    assertThat(WorkspacePods.labels("kr-x", WorkspacePods.ROLE_WORKSPACE, Outbound.NONE))
        .as("a workspace without egress is not selected")
        .doesNotContainEntry(WorkspacePods.OUTBOUND_LABEL, Outbound.EGRESS.wireName());
    for (NetworkPolicy policy : all(NetworkPolicy.class)) {
      for (var rule :
          policy.getSpec().getEgress() == null
              ? List.<io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule>of()
              : policy.getSpec().getEgress()) {
        for (NetworkPolicyPeer to : rule.getTo()) {
          IPBlock block = to.getIpBlock();
          if (block != null && block.getCidr().contains(".")) {
            assertThat(block.getExcept())
                .as(policy.getMetadata().getName() + " never reaches 169.254.169.254")
                .contains("169.254.0.0/16");
          }
        }
      }
    }
  }

  @Test
  void prequelsDisruptionBudgetCoversItsPods() {
    PodDisruptionBudget budget = one(PodDisruptionBudget.class, "prequel");
    Map<String, String> prequelPods =
        one(Deployment.class, "prequel").getSpec().getTemplate().getMetadata().getLabels();

    assertThat(prequelPods).containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
  }

  @Test
  void theRoleIsNamespacedGrantsNoWildcardsAndCannotReadSecrets() {
    Role role = one(Role.class, "prequel-workspaces");

    assertThat(role.getRules())
        .allSatisfy(
            r -> {
              assertThat(r.getVerbs()).doesNotContain("*");
              assertThat(r.getResources()).doesNotContain("*");
              if (r.getResources().contains("secrets")) {
                // interviews' environment variables are written and deleted, never read back:
                // Prequel's own key in this namespace stays out of its reach through the API
                assertThat(r.getVerbs()).containsExactlyInAnyOrder("create", "delete");
              }
            });
  }
}
