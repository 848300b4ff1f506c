package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.SpareIds;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.WorkspaceStarting;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Each workspace a pod on a Kubernetes cluster ({@code PREQUEL_RUNTIME=kubernetes}), through the
 * fabric8 client with in-cluster config or a kubeconfig. What a pod is and how it is isolated:
 * {@link WorkspacePods}; what runs, by watch: {@link PodWatch}; files in and out as tar through
 * exec: {@link PodFiles}; claims, stops and spares: {@link PodLifecycle}. Everything carries
 * labels, so a restarted Prequel (or another replica) finds what an earlier one started.
 */
public final class KubernetesRuntime implements WorkspaceRuntime, AutoCloseable {

  public static final String NAME = "kubernetes";

  /** The NetworkPolicy every workspace pod must be under before one is started. */
  static final String POLICY = "prequel-workspaces";

  static final Duration PATIENCE = Duration.ofMinutes(2);
  private static final Duration ASK_AGAIN = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final KubernetesSettings settings;
  private final Clock clock;
  private final PodExec exec;
  private final PodFiles files;
  private final PodReads reads;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private volatile PodWatch watch;
  private volatile PodLifecycle pods;
  private volatile boolean policyFound;

  KubernetesRuntime(
      KubernetesClient client, KubernetesSettings settings, PodExec exec, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.clock = clock;
    this.exec = exec;
    this.files = new PodFiles(exec);
    this.reads = new PodReads(files, this::watch, this::pods, this::lockFor);
  }

  /**
   * A runtime on the cluster fabric8 finds: in a pod, its service account; elsewhere {@code
   * KUBECONFIG} or {@code ~/.kube/config}. Connects on first use, not here.
   */
  public static KubernetesRuntime connect(KubernetesSettings settings, Clock clock) {
    KubernetesClient client = new KubernetesClientBuilder().build();
    return new KubernetesRuntime(
        client, settings, new ApiPodExec(client, settings.namespace()), clock);
  }

  /** The namespace Prequel's own pod runs in, or {@code default} outside a cluster. */
  public static String defaultNamespace() {
    Path inCluster = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");
    try {
      return java.nio.file.Files.readString(inCluster).strip();
    } catch (IOException e) {
      return "default";
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public RuntimeDescription describe() {
    List<String> missing = new ArrayList<>();
    String fix = "";
    try {
      if (!policyPresent()) {
        missing.add("the NetworkPolicy " + POLICY + " in namespace " + settings.namespace());
        fix = "kubectl apply -k deploy/kubernetes (or its workspace-network.yaml)";
      }
    } catch (RuntimeException e) {
      missing.add("a reachable Kubernetes API server (" + e.getMessage() + ")");
      fix = "run Prequel in the cluster with deploy/kubernetes, or set KUBECONFIG";
    }
    String isolation =
        settings.runtimeClassName() == null ? "pod" : "pod (" + settings.runtimeClassName() + ")";
    return new RuntimeDescription(
        name(),
        isolation,
        missing.isEmpty(),
        missing.isEmpty(),
        settings.ceiling(),
        settings.outbound().wireName(),
        missing,
        fix);
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) throws Exception {
    String id = WorkspacePods.checkId(spec.interviewId());
    WorkspaceLimits limits = limits(spec);
    Outbound outbound =
        spec.outbound() == null ? settings.outbound() : spec.outbound().and(settings.outbound());
    synchronized (lockFor(id)) {
      requirePolicy();
      Optional<Pod> pod = watch().workspaceOf(id).filter(PodWatch::running);
      if (pod.isPresent()) {
        return workspace(pod.get());
      }
      pods().start(id, WorkspacePods.ROLE_WORKSPACE, limits, outbound, spec.secrets(), log);
    }
    return awaitRunning(id, settings.startWait());
  }

  /**
   * Waits, on the watch, for the workspace's pod to run; past {@code wait} hands the waiting back
   * to the caller ({@link WorkspaceStarting}), which calls {@code provision} again later.
   */
  private Workspace awaitRunning(String id, Duration wait) throws InterruptedException {
    watch()
        .await(
            id,
            owned ->
                owned.stream()
                    .filter(p -> !PodWatch.isFilesPod(p))
                    .anyMatch(p -> PodWatch.running(p) || PodWatch.ended(p)),
            wait);
    Optional<Pod> pod = watch().workspaceOf(id);
    if (pod.isPresent() && PodWatch.running(pod.get())) {
      return workspace(pod.get());
    }
    if (pod.isPresent() && PodWatch.ended(pod.get())) {
      throw new IllegalStateException(
          whyStopped(id).orElse("the workspace pod of " + id + " ended while starting"));
    }
    if (pods().podGone(WorkspacePods.name(id)) && pod.isEmpty()) {
      throw new IllegalStateException("the workspace of " + id + " was removed while starting");
    }
    throw new WorkspaceStarting(
        "the workspace pod of " + id + " is not running yet" + pods().pending(pod), ASK_AGAIN);
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws Exception {
    String pod = runningPod(interviewId);
    int sent = files.copyChallenge(pod, challengeFiles);
    log.accept("copied " + sent + " challenge files into the workspace (files already there kept)");
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log)
      throws Exception {
    String pod = runningPod(interviewId);
    Instant deadline = clock.instant().plus(setup.timeout());
    for (String command : setup.commands()) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new IllegalStateException("setup ran past its " + setup.timeout().toSeconds() + " s");
      }
      log.accept("$ " + command);
      PodExec.Result result = PodCommands.run(exec, pod, command, left, log);
      if (result.exitCode() == PodCommands.TIMED_OUT) {
        throw new IllegalStateException(
            "setup ran past its " + setup.timeout().toSeconds() + " s: " + command);
      }
      if (result.exitCode() != 0) {
        throw new IllegalStateException(
            "setup command failed (exit " + result.exitCode() + "): " + command);
      }
    }
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    String id = WorkspacePods.checkId(interviewId);
    return watch().workspaceOf(id).filter(PodWatch::running).map(this::workspace);
  }

  @Override
  public List<Workspace> list() {
    return watch().all().stream()
        .filter(p -> WorkspacePods.ROLE_WORKSPACE.equals(role(p)))
        .filter(PodWatch::running)
        .map(this::workspace)
        .toList();
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    return watch()
        .workspaceOf(WorkspacePods.checkId(interviewId))
        .filter(p -> !PodWatch.running(p))
        .flatMap(StopReason::of);
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) throws Exception {
    String id = WorkspacePods.checkId(interviewId);
    synchronized (lockFor(id)) {
      pods().stop(id, log);
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    return reads.all(WorkspacePods.checkId(interviewId), visitor);
  }

  @Override
  public boolean listFiles(String interviewId, Set<String> excluded, Consumer<WorkspaceFile> out)
      throws IOException {
    return reads.list(WorkspacePods.checkId(interviewId), excluded, out);
  }

  @Override
  public boolean readFiles(String interviewId, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    return reads.some(WorkspacePods.checkId(interviewId), paths, visitor);
  }

  @Override
  public Optional<byte[]> terminalHistory(String interviewId) throws IOException {
    return reads.history(WorkspacePods.checkId(interviewId));
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) throws Exception {
    String id = WorkspacePods.checkId(interviewId);
    synchronized (lockFor(id)) {
      pods().destroy(id, log);
    }
    locks.remove(id);
  }

  // ---- spares: pods started before any interview, relabelled on claim

  @Override
  public boolean hasSpares() {
    return true;
  }

  @Override
  public Workspace startSpare(String spareId, Consumer<String> log) throws Exception {
    String id = SpareIds.check(spareId);
    synchronized (lockFor(id)) {
      requirePolicy();
      pods()
          .start(
              id,
              WorkspacePods.ROLE_SPARE,
              settings.ceiling(),
              settings.outbound(),
              WorkspaceSecrets.none(),
              log);
    }
    // The pool starts spares on its own thread: it may wait as long as a pod takes.
    return awaitRunning(id, PATIENCE);
  }

  @Override
  public List<String> spares() {
    return watch().all().stream()
        .filter(p -> WorkspacePods.ROLE_SPARE.equals(role(p)))
        .flatMap(p -> PodWatch.owner(p).stream())
        .toList();
  }

  @Override
  public boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) throws Exception {
    String id = WorkspacePods.checkId(spec.interviewId());
    synchronized (lockFor(id)) {
      return pods().claim(WorkspacePods.checkId(spareId), id, limits(spec), log);
    }
  }

  /** Stops watching (the pods run on). */
  @Override
  public void close() {
    if (watch != null) {
      watch.close();
    }
  }

  // ---- helpers

  private WorkspaceLimits limits(WorkspaceSpec spec) {
    return spec.limits() == null ? settings.ceiling() : spec.limits().within(settings.ceiling());
  }

  private String runningPod(String interviewId) {
    String id = WorkspacePods.checkId(interviewId);
    Optional<Pod> pod = watch().workspaceOf(id);
    if (pod.isEmpty()) {
      throw new IllegalStateException("no workspace pod for " + id + ": provision first");
    }
    if (!PodWatch.running(pod.get())) {
      throw new WorkspaceStarting("the workspace pod of " + id + " is not running", ASK_AGAIN);
    }
    return pod.get().getMetadata().getName();
  }

  private Workspace workspace(Pod pod) {
    String owner = PodWatch.owner(pod).get(0);
    String ip = PodWatch.address(pod).orElseThrow();
    String start = pod.getStatus().getStartTime();
    Instant started = start == null ? clock.instant() : Instant.parse(start);
    return new Workspace(owner, URI.create("http://" + ip + ":" + settings.port()), started);
  }

  private static String role(Pod pod) {
    return pod.getMetadata().getLabels().get(WorkspacePods.ROLE_LABEL);
  }

  /** No workspace pod starts outside the NetworkPolicy: once seen, it is taken as staying. */
  private void requirePolicy() {
    if (!policyFound && !policyPresent()) {
      throw new IllegalStateException(
          "no NetworkPolicy "
              + POLICY
              + " in namespace "
              + settings.namespace()
              + ": workspaces would be reachable from every pod and reach everything;"
              + " apply deploy/kubernetes/workspace-network.yaml first");
    }
    policyFound = true;
  }

  private boolean policyPresent() {
    return client
            .network()
            .v1()
            .networkPolicies()
            .inNamespace(settings.namespace())
            .withName(POLICY)
            .get()
        != null;
  }

  private PodWatch watch() {
    PodWatch w = watch;
    if (w == null) {
      synchronized (this) {
        if (watch == null) {
          PodWatch started = new PodWatch(client, settings.namespace());
          try {
            started.awaitSynced(PATIENCE);
          } catch (Exception e) {
            started.close();
            throw new IllegalStateException(
                "cannot watch pods in namespace " + settings.namespace() + ": " + e.getMessage(),
                e);
          }
          pods = new PodLifecycle(client, settings, started);
          watch = started;
        }
        w = watch;
      }
    }
    return w;
  }

  private PodLifecycle pods() {
    watch();
    return pods;
  }

  private Object lockFor(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }
}
