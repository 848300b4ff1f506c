package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.local.CodeServerInstall;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The test plays the kubelet and the storage provisioner for the mock API server, which runs
 * nothing: a new pod is "scheduled" at once (phase Running, an address on 127.77.0.0/16, its
 * container running, Ready once code-server answers), a claim gets a folder that stands for its
 * volume, and a deleted claim's folder goes. With {@code codeServers}, a real code-server listens
 * on each workspace pod's address, so the proxy's view is the real one; a pod can be left
 * unscheduled ({@link #holdScheduling}) or killed for memory ({@link #killForMemory}).
 */
final class FakeKubelet implements AutoCloseable {

  private final KubernetesClient client;
  private final String namespace;
  private final Path volumes;
  private final Path codeServerHome;
  private final CodeServerInstall codeServer;
  private final int port;
  private final AtomicInteger addresses = new AtomicInteger();
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  private final Watch pods;
  private final Watch claims;
  private volatile boolean holding;

  FakeKubelet(
      KubernetesClient client,
      String namespace,
      Path scratch,
      CodeServerInstall codeServer,
      int port)
      throws IOException {
    this.client = client;
    this.namespace = namespace;
    this.volumes = Files.createDirectories(scratch.resolve("volumes"));
    this.codeServerHome = Files.createDirectories(scratch.resolve("code-server"));
    this.codeServer = codeServer;
    this.port = port;
    this.pods = client.pods().inNamespace(namespace).watch(new Pods());
    this.claims = client.persistentVolumeClaims().inNamespace(namespace).watch(new Claims());
  }

  /** New pods stay Pending (no node has room) until {@link #resumeScheduling}. */
  void holdScheduling() {
    holding = true;
  }

  void resumeScheduling() {
    holding = false;
    client.pods().inNamespace(namespace).list().getItems().stream()
        .filter(p -> p.getStatus() == null || p.getStatus().getPhase() == null)
        .forEach(this::schedule);
  }

  Pod pod(String name) {
    return client.pods().inNamespace(namespace).withName(name).get();
  }

  /** The folder standing for a claim's volume. */
  Path folderOf(String claim) throws IOException {
    return Files.createDirectories(volumes.resolve(claim));
  }

  /** What {@code /home/candidate} (an emptyDir on a cluster) stands for in a pod's execs. */
  Path homeOf(String podName) throws IOException {
    return Files.createDirectories(volumes.resolveSibling("homes").resolve(podName));
  }

  /** As the kernel's OOM killer and the kubelet report it: the container ended OOMKilled. */
  void killForMemory(String podName) {
    stopProcess(podName);
    Pod pod = pod(podName);
    client
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder(pod)
                .editStatus()
                .withPhase("Failed")
                .withConditions(condition("Ready", "False"))
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName(WorkspacePods.CONTAINER)
                        .withReady(false)
                        .withNewState()
                        .withNewTerminated()
                        .withExitCode(137)
                        .withReason("OOMKilled")
                        .endTerminated()
                        .endState()
                        .build())
                .endStatus()
                .build())
        .updateStatus();
  }

  private void schedule(Pod pod) {
    if (holding) {
      return;
    }
    int n = addresses.incrementAndGet();
    String ip = "127.77." + (n / 250) + "." + (n % 250 + 2);
    boolean workspace = !PodWatch.isFilesPod(pod);
    if (workspace && codeServer != null) {
      startCodeServer(pod.getMetadata().getName(), ip);
    }
    updateStatus(
        new PodBuilder(pod)
            .withNewStatus()
            .withPhase("Running")
            .withPodIP(ip)
            .withStartTime(Instant.now().toString())
            .withConditions(condition("PodScheduled", "True"), condition("Ready", "False"))
            .withContainerStatuses(
                new ContainerStatusBuilder()
                    .withName(WorkspacePods.CONTAINER)
                    .withReady(false)
                    .withNewState()
                    .withNewRunning()
                    .withStartedAt(Instant.now().toString())
                    .endRunning()
                    .endState()
                    .build())
            .endStatus()
            .build());
  }

  private void updateStatus(Pod pod) {
    try {
      client.pods().inNamespace(namespace).resource(pod).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      // deleted before the kubelet got to it, as happens on a cluster too
    }
  }

  private void startCodeServer(String podName, String ip) {
    try {
      Path home = Files.createDirectories(codeServerHome.resolve(podName + "-" + ip));
      Pod pod = pod(podName);
      if (pod == null) {
        return; // deleted before the kubelet got to it, as happens on a cluster too
      }
      Path files = folderOf(WorkspacePods.claimOf(pod).orElseThrow());
      ProcessBuilder builder =
          new ProcessBuilder(
              List.of(
                  codeServer.node().toString(),
                  codeServer.entry().toString(),
                  "--bind-addr",
                  ip + ":" + port,
                  "--auth",
                  "none",
                  "--disable-telemetry",
                  "--disable-update-check",
                  "--disable-workspace-trust",
                  "--user-data-dir",
                  home.resolve("data").toString(),
                  "--extensions-dir",
                  home.resolve("extensions").toString(),
                  files.toString()));
      builder.environment().put("HOME", home.toString());
      builder.redirectErrorStream(true).redirectOutput(home.resolve("log").toFile());
      processes.put(podName, builder.start());
    } catch (IOException e) {
      throw new IllegalStateException("cannot start code-server for " + podName, e);
    }
  }

  private void stopProcess(String podName) {
    Process p = processes.remove(podName);
    if (p != null) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  private static PodCondition condition(String type, String status) {
    return new PodConditionBuilder().withType(type).withStatus(status).build();
  }

  @Override
  public void close() {
    pods.close();
    claims.close();
    processes.keySet().forEach(this::stopProcess);
  }

  private final class Pods implements Watcher<Pod> {
    @Override
    public void eventReceived(Action action, Pod pod) {
      String name = pod.getMetadata().getName();
      switch (action) {
        case ADDED -> {
          if (pod.getStatus() == null || pod.getStatus().getPhase() == null) {
            schedule(pod);
          }
        }
        case DELETED -> stopProcess(name);
        default -> {}
      }
    }

    @Override
    public void onClose(WatcherException cause) {}
  }

  private final class Claims implements Watcher<PersistentVolumeClaim> {
    @Override
    public void eventReceived(Action action, PersistentVolumeClaim claim) {
      if (action == Action.DELETED) {
        Path folder = volumes.resolve(claim.getMetadata().getName());
        try (Stream<Path> walk = Files.exists(folder) ? Files.walk(folder) : Stream.empty()) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
