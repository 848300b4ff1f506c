package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Exec through the API server ({@code pods/exec}, a WebSocket): the command runs in the pod as its
 * container's user, so a tar that follows a candidate's symbolic link can only reach what the
 * candidate could. Never run against fabric8's mock server (it has no exec): untested here.
 */
final class ApiPodExec implements PodExec {

  private static final int MAX_STDERR = 64 * 1024;

  private final KubernetesClient client;
  private final String namespace;

  ApiPodExec(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public Result run(
      String pod, List<String> argv, InputStream stdin, Output output, Duration timeout)
      throws IOException, InterruptedException {
    ContainerResource container =
        client.pods().inNamespace(namespace).withName(pod).inContainer(WorkspacePods.CONTAINER);
    TtyExecOutputErrorable execable = stdin == null ? container : container.redirectingInput();
    BoundedBuffer stderr = new BoundedBuffer();
    try (ExecWatch watch =
        execable.redirectingOutput().writingError(stderr).exec(argv.toArray(String[]::new))) {
      // a command that neither ends nor writes must not hold the caller: the stream is closed
      java.util.concurrent.CompletableFuture.delayedExecutor(
              timeout.toMillis() + 5_000, TimeUnit.MILLISECONDS)
          .execute(watch::close);
      if (stdin != null) {
        feed(stdin, watch.getInput(), pod);
      }
      output.read(watch.getOutput());
      try {
        Integer code = watch.exitCode().get(Math.max(1, timeout.toSeconds()), TimeUnit.SECONDS);
        return new Result(code == null ? -1 : code, stderr.text());
      } catch (ExecutionException e) {
        throw new IOException("exec in pod " + pod + " failed", e.getCause());
      } catch (TimeoutException e) {
        return new Result(124, stderr.text() + "\n(no exit status within " + timeout + ")");
      }
    }
  }

  /** Copies {@code stdin} into the exec on a thread of its own, then closes it (end of input). */
  private static void feed(InputStream stdin, OutputStream input, String pod) {
    Thread feeder =
        new Thread(
            () -> {
              try (InputStream in = stdin;
                  OutputStream out = input) {
                in.transferTo(out);
              } catch (IOException e) {
                // the exec ended first: its exit status says what happened
              }
            },
            "exec-input-" + pod);
    feeder.setDaemon(true);
    feeder.start();
  }

  /** Keeps the first 64 KiB of stderr, for the log. */
  private static final class BoundedBuffer extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
      if (bytes.size() < MAX_STDERR) {
        bytes.write(b);
      }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      bytes.write(b, off, Math.max(0, Math.min(len, MAX_STDERR - bytes.size())));
    }

    synchronized String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
