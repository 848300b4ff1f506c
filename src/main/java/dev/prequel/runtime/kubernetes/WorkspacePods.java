package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a workspace is on a cluster: a pod of the workspace image with the candidate's files on a
 * PersistentVolumeClaim of its own, and the names and labels that find them again. Inside, the
 * candidate sees
 *
 * <pre>
 * /                    the image, read-only
 * /workspace           the interview's files: its claim (survives the pod: a stop, an OOM kill, a drain)
 * /home/candidate      HOME, code-server's settings and extensions: an emptyDir
 * /tmp                 an emptyDir in memory, counted in the memory limit
 * </pre>
 *
 * under the restricted Pod Security profile: uid 1000, no capabilities, no privilege escalation,
 * seccomp RuntimeDefault, no service account token, no service links, an optional runtime class
 * (gVisor, Kata). The NetworkPolicies of {@code deploy/kubernetes/workspace-network.yaml} select
 * these pods by {@link #COMPONENT_LABEL}.
 */
final class WorkspacePods {

  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "prequel";

  /** What the shared NetworkPolicies select: every pod that runs a candidate's files. */
  static final String COMPONENT_LABEL = "app.kubernetes.io/component";

  static final String COMPONENT = "workspace";

  /** The interview (or spare) a pod or claim belongs to. */
  static final String OWNER_LABEL = "dev.prequel/interview";

  /**
   * {@code workspace} (code-server), {@code spare} (code-server, no interview yet), {@code files}.
   */
  static final String ROLE_LABEL = "dev.prequel/role";

  /** {@code none} or {@code egress}: the egress NetworkPolicy selects {@code egress} only. */
  static final String OUTBOUND_LABEL = "dev.prequel/outbound";

  /** Kubernetes has no per-pod process limit (the kubelet's podPidsLimit is per node): noted. */
  static final String MAX_PROCESSES_ANNOTATION = "dev.prequel/max-processes";

  static final String ROLE_WORKSPACE = "workspace";
  static final String ROLE_SPARE = "spare";
  static final String ROLE_FILES = "files";
  static final String CONTAINER = "workspace";
  static final String WORKSPACE = "/workspace";
  static final String HOME = "/home/candidate";
  static final long UID = 1000;
  static final String SPARE_PREFIX = "spare-";

  /** How long a files pod may live if Prequel dies before deleting it. */
  static final long FILES_POD_DEADLINE_SECONDS = 900;

  // Pod and claim names and label values: a DNS label, so keep ids plain.
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,54}");

  private WorkspacePods() {}

  static String checkId(String interviewId) {
    if (interviewId == null || !ID.matcher(interviewId).matches()) {
      throw new IllegalArgumentException("not a workspace id: '" + interviewId + "'");
    }
    return interviewId;
  }

  /**
   * The pod and claim name of a workspace first provisioned (or spare first started) as this id.
   */
  static String name(String id) {
    return "prequel-" + checkId(id);
  }

  /** The short-lived pod that reads a stopped workspace's claim. */
  static String filesPodName(String claim) {
    return claim + "-files";
  }

  static Map<String, String> labels(String owner, String role, Outbound outbound) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(MANAGED_BY_LABEL, MANAGED_BY);
    labels.put(COMPONENT_LABEL, COMPONENT);
    labels.put(OWNER_LABEL, checkId(owner));
    labels.put(ROLE_LABEL, role);
    labels.put(OUTBOUND_LABEL, outbound.wireName());
    return labels;
  }

  /** The claim of the candidate's files: its size is the workspace's disk. */
  static PersistentVolumeClaim claim(String owner, WorkspaceLimits limits, String storageClass) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(name(owner))
        .withLabels(labels(owner, ROLE_WORKSPACE, Outbound.NONE))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(storageClass)
        .withNewResources()
        .addToRequests("storage", new Quantity(limits.diskMb() + "Mi"))
        .endResources()
        .endSpec()
        .build();
  }

  /** The name of the Secret holding an interview's environment variables. */
  static String secretName(String owner) {
    return name(owner) + "-env";
  }

  /** An interview's environment variables, for its pod's {@code envFrom}; labelled as its own. */
  static io.fabric8.kubernetes.api.model.Secret secret(String owner, WorkspaceSecrets secrets) {
    return new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata()
        .withName(secretName(owner))
        .withLabels(labels(owner, ROLE_WORKSPACE, Outbound.NONE))
        .endMetadata()
        .withType("Opaque")
        .withStringData(secrets.values())
        .build();
  }

  /** The workspace's pod: code-server on {@code port} over the files of {@code claim}. */
  static Pod workspace(
      String owner,
      String role,
      String claim,
      KubernetesSettings settings,
      WorkspaceLimits limits,
      Outbound outbound,
      boolean withSecrets) {
    ContainerBuilder base = base(settings.image());
    if (withSecrets) {
      // the interview's secrets (issue 17, 6) as environment variables, from its own Secret
      base.addNewEnvFrom().withNewSecretRef(secretName(owner), false).endEnvFrom();
    }
    Container container =
        base.withCommand(codeServer(settings.port()))
            .withResources(resources(limits.milliCpus() + "m", limits.memoryMb() + "Mi"))
            .addNewPort()
            .withName("http")
            .withContainerPort(settings.port())
            .endPort()
            .withNewReadinessProbe()
            .withNewHttpGet()
            .withPath("/healthz")
            .withNewPort("http")
            .endHttpGet()
            .withPeriodSeconds(2)
            .withFailureThreshold(3)
            .endReadinessProbe()
            .withVolumeMounts(
                mount("files", WORKSPACE, false), mount("home", HOME, false), mount("tmp", "/tmp"))
            .build();
    return pod(name(owner), labels(owner, role, outbound), settings, container)
        .editMetadata()
        .addToAnnotations(MAX_PROCESSES_ANNOTATION, String.valueOf(limits.maxProcesses()))
        .endMetadata()
        .editSpec()
        .withVolumes(
            claimVolume(claim, false),
            emptyDir("home", null, "1Gi"),
            emptyDir("tmp", "Memory", "512Mi"))
        .endSpec()
        .build();
  }

  /**
   * A pod that only holds a stopped workspace's claim (read-only) so its files can be read as a tar
   * stream through exec, as the candidate's user; deleted after the read, or past its deadline.
   */
  static Pod filesPod(String owner, String claim, KubernetesSettings settings) {
    Container container =
        base(settings.image())
            .withCommand("sleep", String.valueOf(FILES_POD_DEADLINE_SECONDS))
            .withResources(resources("100m", "128Mi"))
            .withVolumeMounts(mount("files", WORKSPACE, true), mount("tmp", "/tmp"))
            .build();
    return pod(filesPodName(claim), labels(owner, ROLE_FILES, Outbound.NONE), settings, container)
        .editSpec()
        .withActiveDeadlineSeconds(FILES_POD_DEADLINE_SECONDS)
        .withVolumes(claimVolume(claim, true), emptyDir("tmp", "Memory", "64Mi"))
        .endSpec()
        .build();
  }

  private static PodBuilder pod(
      String name, Map<String, String> labels, KubernetesSettings settings, Container container) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        // Prequel decides whether a workspace starts again (and says why it stopped)
        .withRestartPolicy("Never")
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withHostname("workspace")
        .withRuntimeClassName(settings.runtimeClassName())
        .withTerminationGracePeriodSeconds(5L)
        .withSecurityContext(
            new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withRunAsUser(UID)
                .withRunAsGroup(UID)
                // a fresh claim is root's: the group lets the candidate write to it
                .withFsGroup(UID)
                .withSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build())
                .build())
        .withContainers(container)
        .endSpec();
  }

  private static ContainerBuilder base(String image) {
    return new ContainerBuilder()
        .withName(CONTAINER)
        .withImage(image)
        .withImagePullPolicy("IfNotPresent")
        .withWorkingDir(WORKSPACE)
        .addNewEnv()
        .withName("HOME")
        .withValue(HOME)
        .endEnv()
        .addNewEnv()
        .withName("USER")
        .withValue("candidate")
        .endEnv()
        .addNewEnv()
        .withName("SHELL")
        .withValue("/bin/bash")
        .endEnv()
        .withSecurityContext(
            new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(false)
                .withPrivileged(false)
                .withCapabilities(dropAll())
                .withReadOnlyRootFilesystem(true)
                .withRunAsNonRoot(true)
                .withRunAsUser(UID)
                .withRunAsGroup(UID)
                .withSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build())
                .build());
  }

  private static Capabilities dropAll() {
    return new CapabilitiesBuilder().withDrop("ALL").build();
  }

  /** Requests equal to limits: a Guaranteed pod is the last the kubelet evicts. */
  private static ResourceRequirements resources(String cpu, String memory) {
    Map<String, Quantity> amounts =
        Map.of("cpu", new Quantity(cpu), "memory", new Quantity(memory));
    return new ResourceRequirementsBuilder().withRequests(amounts).withLimits(amounts).build();
  }

  private static VolumeMount mount(String volume, String path, boolean readOnly) {
    return new VolumeMountBuilder()
        .withName(volume)
        .withMountPath(path)
        .withReadOnly(readOnly)
        .build();
  }

  private static VolumeMount mount(String volume, String path) {
    return mount(volume, path, false);
  }

  private static Volume claimVolume(String claim, boolean readOnly) {
    return new VolumeBuilder()
        .withName("files")
        .withNewPersistentVolumeClaim(claim, readOnly)
        .build();
  }

  private static Volume emptyDir(String name, String medium, String size) {
    return new VolumeBuilder()
        .withName(name)
        .withNewEmptyDir()
        .withMedium(medium)
        .withSizeLimit(new Quantity(size))
        .endEmptyDir()
        .build();
  }

  /** The claim a pod's files come from, if it has one. */
  static java.util.Optional<String> claimOf(Pod pod) {
    return pod.getSpec().getVolumes().stream()
        .filter(v -> v.getPersistentVolumeClaim() != null)
        .map(v -> v.getPersistentVolumeClaim().getClaimName())
        .findFirst();
  }

  /**
   * code-server on all the pod's addresses: the NetworkPolicy lets only Prequel's pods reach it. No
   * password: candidates log in at Prequel's proxy.
   */
  static List<String> codeServer(int port) {
    return List.of(
        "/usr/local/bin/node",
        "/opt/code-server/node_modules/code-server/out/node/entry.js",
        "--bind-addr",
        "0.0.0.0:" + port,
        "--auth",
        "none",
        "--disable-telemetry",
        "--disable-update-check",
        "--disable-workspace-trust",
        WORKSPACE);
  }
}
