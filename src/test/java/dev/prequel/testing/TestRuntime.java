package dev.prequel.testing;

import dev.prequel.Config;
import dev.prequel.Runtimes;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.docker.DockerEngineFixture;
import dev.prequel.runtime.docker.DockerRuntime;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a {@link TestPrequel}'s workspaces run, so one end-to-end test runs on every runtime
 * ({@code @ParameterizedClass} over {@link #LOCAL} and {@link #docker}).
 *
 * <p>On Docker, a Prequel's {@code list()} (its reconciler's orphans, its stop) sees only the
 * containers of its scope: the scope carries the test class's prefix and this run's token, so a
 * test's Prequel never retires another test's or another checkout's workspaces on the shared
 * engine, and {@link #close} removes only what it made.
 */
public abstract sealed class TestRuntime implements AutoCloseable {

  /** code-server processes on this host, sandboxed as far as it allows. */
  public static final TestRuntime LOCAL = new Local();

  /** Containers on the real Docker Engine (the test is skipped when none is reachable). */
  public static TestRuntime docker(String classPrefix) {
    return new Docker(TestIds.of(classPrefix));
  }

  /** The settings {@code PREQUEL_RUNTIME} and friends would give. */
  abstract Map<String, String> env();

  abstract WorkspaceRuntime build(Config config, Clock clock);

  /**
   * Runs {@code command} (bash) in the workspace as its candidate, as their terminal would, and
   * returns its exit status.
   */
  public abstract int runAsCandidate(WorkspaceRuntime runtime, String interviewId, String command)
      throws Exception;

  /** The name the runtime gives itself ({@code PREQUEL_RUNTIME}). */
  public abstract String name();

  @Override
  public String toString() {
    return name();
  }

  @Override
  public void close() {}

  private static final class Local extends TestRuntime {
    @Override
    Map<String, String> env() {
      return Map.of("PREQUEL_RUNTIME", "local");
    }

    @Override
    WorkspaceRuntime build(Config config, Clock clock) {
      return Runtimes.of(config, clock);
    }

    @Override
    public int runAsCandidate(WorkspaceRuntime runtime, String interviewId, String command)
        throws Exception {
      Process shell =
          CandidateShell.exec(
              (LocalRuntime) runtime, interviewId, List.of("/bin/bash", "-c", command));
      shell.getInputStream().transferTo(OutputStream.nullOutputStream());
      if (!shell.waitFor(2, TimeUnit.MINUTES)) {
        shell.destroyForcibly();
        throw new AssertionError("still running after 2 min: " + command);
      }
      return shell.exitValue();
    }

    @Override
    public String name() {
      return "local";
    }
  }

  private static final class Docker extends TestRuntime {
    private final String scope;

    Docker(String scope) {
      this.scope = scope;
    }

    @Override
    Map<String, String> env() {
      return Map.of("PREQUEL_RUNTIME", "docker");
    }

    @Override
    WorkspaceRuntime build(Config config, Clock clock) {
      return new DockerRuntime(
          DockerEngineFixture.engine(),
          DockerRuntime.DEFAULT_IMAGE,
          DockerRuntime.DEFAULT_SUBNETS,
          config.runtime().limits(),
          dev.prequel.runtime.Outbound.NONE,
          dev.prequel.runtime.docker.DockerEngineFixture.disks(),
          null,
          clock,
          scope);
    }

    @Override
    public int runAsCandidate(WorkspaceRuntime runtime, String interviewId, String command)
        throws Exception {
      return ((DockerRuntime) runtime).exec(interviewId, command).exitCode();
    }

    @Override
    public String name() {
      return "docker";
    }

    /** Removes whatever is left of this scope's containers, volumes and networks. */
    @Override
    public void close() {
      DockerEngineFixture.removeScope(scope);
    }
  }
}
