package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Optional;

/** Why a workspace pod stopped without being asked to, from its status, for the interview's log. */
final class StopReason {

  private StopReason() {}

  static Optional<String> of(Pod pod) {
    Optional<ContainerStateTerminated> ended = PodWatch.terminated(pod);
    if (ended.isPresent() && "OOMKilled".equals(ended.get().getReason())) {
      return Optional.of("killed: out of memory (limit " + PodLifecycle.memoryMb(pod) + " MiB)");
    }
    if (pod.getStatus() != null && "Evicted".equals(pod.getStatus().getReason())) {
      return Optional.of("evicted by its node: " + pod.getStatus().getMessage());
    }
    if (ended.isPresent()) {
      Integer code = ended.get().getExitCode();
      // 0, and TERM/KILL from a stop Prequel asked for, are no surprise
      if (code == null || code == 0 || code == 143 || code == 137) {
        return Optional.empty();
      }
      return Optional.of("code-server exited with status " + code);
    }
    return Optional.empty();
  }
}
