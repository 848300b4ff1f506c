package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Every workspace pod of the namespace as the API server last told it, through one informer (a
 * watch, never polling): {@code find}, {@code list} and {@code whyStopped} read this cache, and a
 * caller that waits for a pod to run, go or change waits here, woken by each event.
 */
final class PodWatch implements AutoCloseable {

  private static final String BY_OWNER = "owner";

  private final SharedIndexInformer<Pod> informer;
  private final Object events = new Object();

  PodWatch(KubernetesClient client, String namespace) {
    this.informer =
        client
            .pods()
            .inNamespace(namespace)
            .withLabel(WorkspacePods.MANAGED_BY_LABEL, WorkspacePods.MANAGED_BY)
            .runnableInformer(0);
    informer.addIndexers(Map.of(BY_OWNER, PodWatch::owner));
    informer.addEventHandler(new Wake());
  }

  /**
   * Starts watching and waits until the first list has arrived: before, the cache would say
   * "nothing runs".
   */
  void awaitSynced(Duration timeout) throws Exception {
    informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The pods of this interview or spare (its workspace, a files pod). */
  List<Pod> ownedBy(String owner) {
    return informer.getIndexer().byIndex(BY_OWNER, owner);
  }

  /** Its code-server pod, if any, whatever its phase. */
  Optional<Pod> workspaceOf(String owner) {
    return ownedBy(owner).stream().filter(p -> !isFilesPod(p)).findFirst();
  }

  List<Pod> all() {
    return informer.getStore().list();
  }

  /**
   * Waits until {@code condition} holds for this owner's pods, re-checking at each event; returns
   * whether it did within {@code timeout}.
   */
  boolean await(String owner, Predicate<List<Pod>> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (!condition.test(ownedBy(owner))) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(events, left);
      }
      return true;
    }
  }

  @Override
  public void close() {
    informer.close();
  }

  static List<String> owner(Pod pod) {
    String owner = pod.getMetadata().getLabels().get(WorkspacePods.OWNER_LABEL);
    return owner == null ? List.of() : List.of(owner);
  }

  static boolean isFilesPod(Pod pod) {
    return WorkspacePods.ROLE_FILES.equals(
        pod.getMetadata().getLabels().get(WorkspacePods.ROLE_LABEL));
  }

  /** Running, not being deleted, with an address: where the proxy can reach it. */
  static boolean running(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null
        && pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase())
        && address(pod).isPresent()
        && terminated(pod).isEmpty();
  }

  /** Ended for good: the kubelet will not start its container again (restartPolicy Never). */
  static boolean ended(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase) || terminated(pod).isPresent();
  }

  static Optional<String> address(Pod pod) {
    return Optional.ofNullable(pod.getStatus()).map(s -> s.getPodIP()).filter(ip -> !ip.isBlank());
  }

  /** How the workspace container ended, when it has. */
  static Optional<ContainerStateTerminated> terminated(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(s -> WorkspacePods.CONTAINER.equals(s.getName()))
        .map(ContainerStatus::getState)
        .filter(s -> s != null && s.getTerminated() != null)
        .map(s -> s.getTerminated())
        .findFirst();
  }

  private final class Wake implements ResourceEventHandler<Pod> {
    @Override
    public void onAdd(Pod pod) {
      wake();
    }

    @Override
    public void onUpdate(Pod before, Pod after) {
      wake();
    }

    @Override
    public void onDelete(Pod pod, boolean finalStateUnknown) {
      wake();
    }

    private void wake() {
      synchronized (events) {
        events.notifyAll();
      }
    }
  }
}
