package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The API calls behind a workspace's life: its claim and pod made, deleted or relabelled. Every
 * call is safe to repeat (an existing object is kept, a missing one is no error), and every wait is
 * on a watch, never a sleep. The callers in {@link KubernetesRuntime} hold the id's lock.
 */
final class PodLifecycle {

  private static final int HTTP_CONFLICT = 409;
  private static final int HTTP_NOT_FOUND = 404;

  private final KubernetesClient client;
  private final KubernetesSettings settings;
  private final PodWatch watch;

  PodLifecycle(KubernetesClient client, KubernetesSettings settings, PodWatch watch) {
    this.client = client;
    this.settings = settings;
    this.watch = watch;
  }

  /**
   * Makes the claim (unless it has one) and a new pod for {@code owner}; a pod that ended (killed
   * for memory, evicted) is deleted first, so the new one starts on the same files.
   */
  void start(
      String owner,
      String role,
      WorkspaceLimits limits,
      Outbound outbound,
      WorkspaceSecrets secrets,
      Consumer<String> log)
      throws InterruptedException {
    Optional<Pod> old = watch.workspaceOf(owner);
    if (old.isPresent() && !PodWatch.ended(old.get())) {
      return; // starting already (a second call, or another replica's)
    }
    if (old.isPresent()) {
      deletePod(old.get().getMetadata().getName(), 0);
      awaitNoWorkspacePod(owner);
    }
    String claim = claimOf(owner).orElse(WorkspacePods.name(owner));
    createIfAbsent(
        () ->
            pvcs().resource(WorkspacePods.claim(owner, limits, settings.storageClass())).create());
    // Made again at each start from what the lifecycle gives (never read back: the Role grants
    // no get on secrets), before the pod that refers to it.
    deleteSecret(owner);
    if (!secrets.isEmpty()) {
      secretsOp().resource(WorkspacePods.secret(owner, secrets)).create();
    }
    Pod pod =
        WorkspacePods.workspace(owner, role, claim, settings, limits, outbound, !secrets.isEmpty());
    createIfAbsent(() -> pods().resource(pod).create());
    log.accept(
        "created pod "
            + pod.getMetadata().getName()
            + " ("
            + limits.describe()
            + ", outbound "
            + outbound.wireName()
            + ")");
  }

  /** Deletes the owner's workspace pod, keeping its claim, and waits until it is gone. */
  void stop(String owner, Consumer<String> log) throws InterruptedException {
    Optional<Pod> pod = watch.workspaceOf(owner);
    if (pod.isEmpty()) {
      return;
    }
    deletePod(pod.get().getMetadata().getName(), 5);
    awaitNoWorkspacePod(owner);
    deleteSecret(owner); // made again at the next start
    log.accept("deleted pod " + pod.get().getMetadata().getName() + " (files kept on its claim)");
  }

  /**
   * Deletes the owner's Secret of environment variables, if it has one: at stop and destroy, so it
   * exists only while a pod of the interview may use it.
   */
  void deleteSecret(String owner) {
    secretsOp().withName(WorkspacePods.secretName(owner)).delete();
  }

  /** Deletes every pod and claim labelled with {@code owner}, and waits until they are gone. */
  void destroy(String owner, Consumer<String> log) throws Exception {
    // by label and from the API, not the cache: a pod made a moment ago is gone too
    for (Pod pod : pods().withLabel(WorkspacePods.OWNER_LABEL, owner).list().getItems()) {
      deletePod(pod.getMetadata().getName(), 0);
      log.accept("deleted pod " + pod.getMetadata().getName());
    }
    deleteSecret(owner);
    for (PersistentVolumeClaim claim :
        pvcs().withLabel(WorkspacePods.OWNER_LABEL, owner).list().getItems()) {
      pvcs().withName(claim.getMetadata().getName()).delete();
      log.accept("deleted claim " + claim.getMetadata().getName() + " and its files");
    }
    if (!watch.await(owner, List::isEmpty, KubernetesRuntime.PATIENCE)) {
      throw new IllegalStateException("the pods of " + owner + " are still being deleted");
    }
    // a claim still terminating would hand its files to a workspace provisioned again
    pvcs()
        .withLabel(WorkspacePods.OWNER_LABEL, owner)
        .informOnCondition(List::isEmpty)
        .get(KubernetesRuntime.PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  /** The claim holding the owner's files: the one its pod mounts, else the one labelled so. */
  Optional<String> claimOf(String owner) {
    Optional<String> mounted = watch.workspaceOf(owner).flatMap(WorkspacePods::claimOf);
    if (mounted.isPresent()) {
      return mounted;
    }
    return pvcs().withLabel(WorkspacePods.OWNER_LABEL, owner).list().getItems().stream()
        .filter(c -> c.getMetadata().getDeletionTimestamp() == null)
        .map(c -> c.getMetadata().getName())
        .findFirst();
  }

  /** Starts (or adopts) the pod that reads a stopped workspace's claim; returns its name. */
  String startFilesPod(String owner, String claim) throws InterruptedException {
    Pod pod = WorkspacePods.filesPod(owner, claim, settings);
    String name = pod.getMetadata().getName();
    createIfAbsent(() -> pods().resource(pod).create());
    boolean up =
        watch.await(
            owner,
            owned ->
                owned.stream()
                    .anyMatch(p -> p.getMetadata().getName().equals(name) && PodWatch.running(p)),
            KubernetesRuntime.PATIENCE);
    if (!up) {
      removeFilesPod(owner, name);
      throw new IllegalStateException(
          "the pod reading the files of "
              + owner
              + " did not start within "
              + KubernetesRuntime.PATIENCE.toSeconds()
              + " s");
    }
    return name;
  }

  /** Deletes a files pod at once (it only sleeps) and waits until the watch has seen it go. */
  void removeFilesPod(String owner, String name) throws InterruptedException {
    deletePod(name, 0);
    watch.await(
        owner,
        owned -> owned.stream().noneMatch(p -> p.getMetadata().getName().equals(name)),
        KubernetesRuntime.PATIENCE);
  }

  /**
   * Hands a running spare's pod and claim to the interview by relabelling them (a JSON patch that
   * first tests the pod is still the spare's: of two claims, one wins), then resizes the pod in
   * place when the interview asks for other limits. Returns false, changing nothing, when the spare
   * does not run, the interview already has a workspace or files, or the cluster cannot resize.
   */
  boolean claim(String spareId, String interviewId, WorkspaceLimits limits, Consumer<String> log)
      throws InterruptedException {
    if (watch.workspaceOf(interviewId).isPresent() || claimOf(interviewId).isPresent()) {
      return false;
    }
    Optional<Pod> spare =
        watch
            .workspaceOf(spareId)
            .filter(PodWatch::running)
            .filter(
                p ->
                    WorkspacePods.ROLE_SPARE.equals(
                        p.getMetadata().getLabels().get(WorkspacePods.ROLE_LABEL)));
    if (spare.isEmpty()) {
      return false;
    }
    String pod = spare.get().getMetadata().getName();
    String before =
        spare.get().getMetadata().getAnnotations().get(WorkspacePods.MAX_PROCESSES_ANNOTATION);
    if (!patch(
        pod,
        SpareLimits.owner(
            spareId, interviewId, WorkspacePods.ROLE_WORKSPACE, limits.maxProcesses()))) {
      return false; // claimed or removed meanwhile
    }
    if (!SpareLimits.fit(spare.get(), limits)) {
      try {
        SpareLimits.resize(client, settings.namespace(), pod, limits);
      } catch (KubernetesClientException e) {
        patch(
            pod,
            SpareLimits.owner(
                interviewId, spareId, WorkspacePods.ROLE_SPARE, Integer.parseInt(before)));
        log.accept("could not resize the warm pod in place (" + e.getMessage() + "): cold start");
        return false;
      }
    }
    for (String claim : WorkspacePods.claimOf(spare.get()).stream().toList()) {
      pvcs()
          .withName(claim)
          .patch(PatchContext.of(PatchType.JSON), SpareLimits.claimOwner(spareId, interviewId));
    }
    watch.await(
        interviewId,
        owned -> owned.stream().anyMatch(p -> SpareLimits.fit(p, limits)),
        KubernetesRuntime.PATIENCE);
    log.accept("claimed the warm pod " + pod + " (" + limits.describe() + ")");
    return true;
  }

  private boolean patch(String pod, String jsonPatch) {
    try {
      pods().withName(pod).patch(PatchContext.of(PatchType.JSON), jsonPatch);
      return true;
    } catch (KubernetesClientException e) {
      // 422: the test operation failed (another owner); 404: gone; 409: changed meanwhile
      if (e.getCode() == 422 || e.getCode() == HTTP_NOT_FOUND || e.getCode() == HTTP_CONFLICT) {
        return false;
      }
      throw e;
    }
  }

  /** Whether the API server has no pod of this name (not the cache: it may lag). */
  boolean podGone(String name) {
    return pods().withName(name).get() == null;
  }

  /** Why a pod is not running yet, for the interview's log: its phase and conditions' reasons. */
  String pending(Optional<Pod> pod) {
    if (pod.isEmpty() || pod.get().getStatus() == null) {
      return "";
    }
    var status = pod.get().getStatus();
    StringBuilder why = new StringBuilder(" (").append(status.getPhase());
    if (status.getConditions() != null) {
      status.getConditions().stream()
          .filter(c -> "False".equals(c.getStatus()) && c.getReason() != null)
          .forEach(c -> why.append(", ").append(c.getReason()).append(": ").append(c.getMessage()));
    }
    return why.append(")").toString();
  }

  static long memoryMb(Pod pod) {
    Quantity memory = pod.getSpec().getContainers().get(0).getResources().getLimits().get("memory");
    return memory == null ? -1 : Quantity.getAmountInBytes(memory).longValue() >> 20;
  }

  private void awaitNoWorkspacePod(String owner) throws InterruptedException {
    if (!watch.await(
        owner,
        owned -> owned.stream().allMatch(PodWatch::isFilesPod),
        KubernetesRuntime.PATIENCE)) {
      throw new IllegalStateException("the pod of " + owner + " is still being deleted");
    }
  }

  private void deletePod(String name, long graceSeconds) {
    pods().withName(name).withGracePeriod(graceSeconds).delete();
  }

  private static void createIfAbsent(Runnable create) {
    try {
      create.run();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HTTP_CONFLICT) {
        throw e;
      }
      // made meanwhile: by an earlier call or another replica
    }
  }

  private io.fabric8.kubernetes.client.dsl.MixedOperation<
          Pod,
          io.fabric8.kubernetes.api.model.PodList,
          io.fabric8.kubernetes.client.dsl.PodResource>
      podsOp() {
    return client.pods();
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          Pod,
          io.fabric8.kubernetes.api.model.PodList,
          io.fabric8.kubernetes.client.dsl.PodResource>
      pods() {
    return podsOp().inNamespace(settings.namespace());
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          io.fabric8.kubernetes.api.model.Secret,
          io.fabric8.kubernetes.api.model.SecretList,
          io.fabric8.kubernetes.client.dsl.Resource<io.fabric8.kubernetes.api.model.Secret>>
      secretsOp() {
    return client.secrets().inNamespace(settings.namespace());
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          PersistentVolumeClaim,
          io.fabric8.kubernetes.api.model.PersistentVolumeClaimList,
          io.fabric8.kubernetes.client.dsl.Resource<PersistentVolumeClaim>>
      pvcs() {
    return client.persistentVolumeClaims().inNamespace(settings.namespace());
  }
}
