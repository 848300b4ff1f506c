package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tests' exec (the mock API server has none): the runtime's own command lines (GNU tar, sh,
 * timeout) run on this host, with {@code /workspace} standing for the folder the fake kubelet keeps
 * for the pod's claim and {@code /home/candidate} for a folder of the pod's own. What it cannot
 * show: the real exec's WebSocket, the container's uid, and anything about what is inside the
 * image.
 */
final class LocalPodExec implements PodExec {

  private final FakeKubelet kubelet;

  LocalPodExec(FakeKubelet kubelet) {
    this.kubelet = kubelet;
  }

  @Override
  public Result run(
      String podName, List<String> argv, InputStream stdin, Output output, Duration timeout)
      throws IOException, InterruptedException {
    Pod pod = kubelet.pod(podName);
    if (pod == null || !PodWatch.running(pod)) {
      // as the API server answers an exec into a pod that does not run
      throw new IOException("container workspace of pod " + podName + " is not running");
    }
    Path folder = kubelet.folderOf(WorkspacePods.claimOf(pod).orElseThrow());
    Path home = kubelet.homeOf(podName);
    List<String> local =
        argv.stream()
            .map(a -> a.replace(WorkspacePods.WORKSPACE, folder.toString()))
            .map(a -> a.replace(WorkspacePods.HOME, home.toString()))
            .toList();
    Process process = new ProcessBuilder(local).directory(folder.toFile()).start();
    Thread feeder =
        new Thread(
            () -> {
              try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                  stdin.transferTo(in);
                }
              } catch (IOException e) {
                // the command ended first
              }
            });
    feeder.start();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    Thread errors =
        new Thread(
            () -> {
              try (InputStream err = process.getErrorStream()) {
                err.transferTo(stderr);
              } catch (IOException e) {
                // ended
              }
            });
    errors.start();
    try (InputStream out = process.getInputStream()) {
      output.read(out);
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      return new Result(124, "timed out");
    }
    feeder.join();
    errors.join();
    return new Result(process.exitValue(), stderr.toString(StandardCharsets.UTF_8));
  }
}
