package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a shell command inside a workspace container as the candidate's user (uid 1000), never as
 * root, through the Engine's exec API: the same place and rights as the candidate's own terminal.
 */
final class WorkspaceExec {

  /** What a command printed (stdout and stderr interleaved) and how it ended. */
  record Result(int exitCode, String output, boolean timedOut) {}

  /** Exit status of coreutils' {@code timeout} when the command ran past it. */
  private static final int TIMED_OUT = 124;

  private static final int MAX_OUTPUT = 1 << 20;

  private final DockerClient docker;

  WorkspaceExec(DockerClient docker) {
    this.docker = docker;
  }

  /**
   * Runs {@code command} with {@code sh -c} in {@code /workspace}, each output line to {@code
   * lines} as it comes; the command is killed (TERM, then KILL 5 s later) past {@code timeout}.
   */
  Result run(String container, String command, Duration timeout, Consumer<String> lines)
      throws InterruptedException {
    return run(container, command, timeout, lines, java.util.List.of());
  }

  /**
   * {@link #run(String, String, Duration, Consumer)} with more environment ({@code NAME=value}).
   */
  Result run(
      String container,
      String command,
      Duration timeout,
      Consumer<String> lines,
      java.util.List<String> env)
      throws InterruptedException {
    long seconds = Math.max(1, timeout.toSeconds());
    String id =
        docker
            .execCreateCmd(container)
            .withUser(WorkspaceContainer.USER)
            .withWorkingDir(WorkspaceContainer.WORKSPACE)
            .withEnv(env)
            .withAttachStdout(true)
            .withAttachStderr(true)
            // the engine has no way to kill an exec: the command carries its own deadline
            .withCmd("timeout", "-k", "5", seconds + "s", "/bin/sh", "-c", command)
            .exec()
            .getId();
    Collector collector = new Collector(lines);
    try (Collector started = docker.execStartCmd(id).exec(collector)) {
      if (!started.awaitCompletion(seconds + 30, TimeUnit.SECONDS)) {
        return new Result(TIMED_OUT, collector.text(), true);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("closing the exec stream of " + container, e);
    }
    collector.flush();
    Long code = docker.inspectExecCmd(id).exec().getExitCodeLong();
    int exit = code == null ? -1 : code.intValue();
    return new Result(exit, collector.text(), exit == TIMED_OUT);
  }

  /** Splits the stream into lines for the log and keeps the first MiB for the caller. */
  private static final class Collector extends ResultCallback.Adapter<Frame> {
    private final Consumer<String> lines;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final StringBuilder all = new StringBuilder();

    Collector(Consumer<String> lines) {
      this.lines = lines;
    }

    @Override
    public void onNext(Frame frame) {
      synchronized (this) {
        for (byte b : frame.getPayload()) {
          if (b == '\n') {
            emit();
          } else {
            line.write(b);
          }
        }
      }
    }

    private void emit() {
      String text = line.toString(StandardCharsets.UTF_8);
      line.reset();
      if (all.length() < MAX_OUTPUT) {
        all.append(text).append('\n');
      }
      lines.accept(text);
    }

    synchronized void flush() {
      if (line.size() > 0) {
        emit();
      }
    }

    synchronized String text() {
      return all.toString();
    }
  }
}
