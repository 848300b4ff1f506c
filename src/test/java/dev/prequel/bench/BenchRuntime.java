package dev.prequel.bench;

import com.github.dockerjava.api.DockerClient;
import dev.prequel.runtime.docker.DockerEngineFixture;
import java.io.IOException;
import java.util.Map;

/**
 * What the benchmark needs to know of the runtime its Prequel runs workspaces on ({@code
 * --runtime}): the settings that choose it, and where a workspace's processes and code-server are,
 * to weigh its memory and to reach it without Prequel's proxy.
 */
abstract sealed class BenchRuntime implements AutoCloseable {

  static BenchRuntime named(String name) {
    return switch (name) {
      case "local" -> new Local();
      case "docker" -> new Docker("bench-" + System.currentTimeMillis());
      default -> throw new IllegalArgumentException("--runtime must be local or docker: " + name);
    };
  }

  abstract String name();

  /** The settings a Prequel process gets to run its workspaces here. */
  abstract Map<String, String> env();

  /** The pid whose process tree is the workspace (its code-server, terminals, tools). */
  abstract long rootPid(PrequelProcess p, String id) throws IOException;

  /** Where code-server answers without Prequel: {@code host:port}, or {@code unix:/path}. */
  abstract String upstream(PrequelProcess p, String id) throws IOException;

  /** Where the report goes: {@code benchmarks.md} for local, {@code benchmarks-docker.md}. */
  String reportName(String extension) {
    return "benchmarks" + (name().equals("local") ? "" : "-" + name()) + "." + extension;
  }

  @Override
  public void close() {}

  private static final class Local extends BenchRuntime {
    @Override
    String name() {
      return "local";
    }

    @Override
    Map<String, String> env() {
      return Map.of("PREQUEL_RUNTIME", "local");
    }

    @Override
    long rootPid(PrequelProcess p, String id) throws IOException {
      return p.workspaceRootPid(id);
    }

    @Override
    String upstream(PrequelProcess p, String id) throws IOException {
      return p.workspaceUpstream(id);
    }
  }

  /**
   * Containers on the local engine, in a scope of the run's own: the run's Prequel sees (and its
   * clean-up removes) only its own containers, never another Prequel's on the same engine.
   */
  private static final class Docker extends BenchRuntime {
    private final String scope;
    private final DockerClient docker = dev.prequel.runtime.docker.DockerEngine.connect();

    Docker(String scope) {
      this.scope = scope;
    }

    @Override
    String name() {
      return "docker";
    }

    @Override
    Map<String, String> env() {
      return Map.of("PREQUEL_RUNTIME", "docker", "PREQUEL_DOCKER_SCOPE", scope);
    }

    // The container's name is the runtime's ("prequel-{id}"); its init (docker-init) is the
    // root of the workspace's processes as the host sees them.
    @Override
    long rootPid(PrequelProcess p, String id) {
      Long pid = docker.inspectContainerCmd("prequel-" + id).exec().getState().getPidLong();
      return pid == null ? -1 : pid;
    }

    @Override
    String upstream(PrequelProcess p, String id) {
      return docker
              .inspectContainerCmd("prequel-" + id)
              .exec()
              .getNetworkSettings()
              .getNetworks()
              .values()
              .iterator()
              .next()
              .getIpAddress()
          + ":8080";
    }

    @Override
    public void close() {
      DockerEngineFixture.removeScope(scope);
    }
  }
}
