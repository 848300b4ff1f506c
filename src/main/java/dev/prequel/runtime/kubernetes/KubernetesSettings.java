package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import java.time.Duration;

/**
 * The operator's settings for workspaces on a cluster.
 *
 * @param namespace where workspace pods, their claims and the NetworkPolicies live ({@code
 *     PREQUEL_KUBERNETES_NAMESPACE}; Prequel's own namespace by default)
 * @param image the workspace image, pullable by the cluster's nodes
 * @param runtimeClassName a RuntimeClass for workspace pods (gVisor, Kata), or null for the
 *     cluster's default
 * @param storageClass the StorageClass of the candidates' file claims, or null for the default
 * @param port where code-server listens in the pod
 * @param ceiling the default limits of a workspace, and the most any challenge gets
 * @param outbound the network a workspace gets at most
 * @param startWait how long {@code provision} waits for the pod to run before it hands the wait
 *     back to the lifecycle ({@link dev.prequel.runtime.WorkspaceStarting})
 */
public record KubernetesSettings(
    String namespace,
    String image,
    String runtimeClassName,
    String storageClass,
    int port,
    WorkspaceLimits ceiling,
    Outbound outbound,
    Duration startWait) {

  public static final int DEFAULT_PORT = 8080;
  public static final Duration DEFAULT_START_WAIT = Duration.ofSeconds(3);

  public KubernetesSettings {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("the kubernetes runtime needs a namespace");
    }
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("the kubernetes runtime needs a workspace image");
    }
    runtimeClassName = blankToNull(runtimeClassName);
    storageClass = blankToNull(storageClass);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
