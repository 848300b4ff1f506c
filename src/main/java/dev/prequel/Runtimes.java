package dev.prequel;

import dev.prequel.runtime.RuntimeSettings;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.docker.DockerRuntime;
import dev.prequel.runtime.kubernetes.KubernetesRuntime;
import dev.prequel.runtime.kubernetes.KubernetesSettings;
import dev.prequel.runtime.local.Isolation;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.runtime.local.SandboxPolicy;
import java.time.Clock;
import java.util.List;

/**
 * The one place a runtime is chosen ({@code PREQUEL_RUNTIME}) and built: the lifecycle, the proxy
 * and the portal see only {@link WorkspaceRuntime}, and a new runtime joins here.
 */
public final class Runtimes {
  private Runtimes() {}

  /** The runtimes {@code PREQUEL_RUNTIME} can name; {@link #of} builds each. */
  public static final List<String> RUNTIMES = List.of("local", "docker", "kubernetes");

  /**
   * The runtime {@code PREQUEL_RUNTIME} names ({@code local}: code-server processes on this host,
   * sandboxed as far as the machine allows). Building one starts nothing.
   */
  public static WorkspaceRuntime of(Config config, Clock clock) {
    RuntimeSettings settings = config.runtime();
    return switch (settings.kind()) {
      case "local" ->
          new LocalRuntime(
              config.dataDir().resolve("workspaces"),
              config.codeServerDir(),
              clock,
              Isolation.detect(),
              new SandboxPolicy(settings.limits(), settings.outbound(), settings.requireSandbox()));
      // DOCKER_HOST as the docker CLI reads it; the image and address pool rarely change
      case "docker" ->
          new DockerRuntime(
              dev.prequel.runtime.docker.DockerEngine.connect(),
              envOr("PREQUEL_DOCKER_IMAGE", DockerRuntime.DEFAULT_IMAGE),
              envOr("PREQUEL_DOCKER_SUBNETS", DockerRuntime.DEFAULT_SUBNETS),
              settings.limits(),
              settings.outbound(),
              config.dataDir().resolve("docker-disks"),
              config.dataDir().resolve("cache"),
              clock,
              envOr("PREQUEL_DOCKER_SCOPE", DockerRuntime.DEFAULT_SCOPE));
      // in-cluster config (the pod's service account) or KUBECONFIG, as kubectl finds them
      case "kubernetes" ->
          KubernetesRuntime.connect(
              new KubernetesSettings(
                  envOr("PREQUEL_KUBERNETES_NAMESPACE", KubernetesRuntime.defaultNamespace()),
                  envOr(
                      "PREQUEL_KUBERNETES_IMAGE",
                      envOr("PREQUEL_DOCKER_IMAGE", DockerRuntime.DEFAULT_IMAGE)),
                  envOr("PREQUEL_KUBERNETES_RUNTIME_CLASS", ""),
                  envOr("PREQUEL_KUBERNETES_STORAGE_CLASS", ""),
                  KubernetesSettings.DEFAULT_PORT,
                  settings.limits(),
                  settings.outbound(),
                  KubernetesSettings.DEFAULT_START_WAIT),
              clock);
      default ->
          throw new Config.ConfigException(
              "PREQUEL_RUNTIME must be one of: "
                  + String.join(", ", RUNTIMES)
                  + "; got '"
                  + settings.kind()
                  + "'");
    };
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value.strip();
  }
}
