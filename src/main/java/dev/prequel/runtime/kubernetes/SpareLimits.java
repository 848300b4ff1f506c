package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.WorkspaceLimits;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** Whether a spare pod can become an interview's workspace, and the labels that make it so. */
final class SpareLimits {

  private SpareLimits() {}

  /**
   * Whether the spare runs under exactly these limits. A pod's resources are fixed when it is
   * created (in-place resize is a newer API this client does not offer), so a spare fits only an
   * interview that asks for the limits it was started with: the operator's defaults.
   */
  static boolean fit(Pod spare, WorkspaceLimits limits) {
    Map<String, Quantity> applied =
        spare.getSpec().getContainers().get(0).getResources().getLimits();
    return same(applied.get("memory"), limits.memoryMb() + "Mi")
        && same(applied.get("cpu"), limits.milliCpus() + "m")
        && String.valueOf(limits.maxProcesses())
            .equals(
                spare.getMetadata().getAnnotations().get(WorkspacePods.MAX_PROCESSES_ANNOTATION));
  }

  private static boolean same(Quantity applied, String asked) {
    return applied != null
        && Quantity.getAmountInBytes(applied)
                .compareTo(Quantity.getAmountInBytes(new Quantity(asked)))
            == 0;
  }

  /** The spare's pod, now the interview's (its resourceVersion kept: the update is a lock). */
  static Pod relabel(Pod spare, String interviewId) {
    return new PodBuilder(spare)
        .editMetadata()
        .addToLabels(WorkspacePods.OWNER_LABEL, interviewId)
        .addToLabels(WorkspacePods.ROLE_LABEL, WorkspacePods.ROLE_WORKSPACE)
        .endMetadata()
        .build();
  }

  static PersistentVolumeClaim relabel(PersistentVolumeClaim claim, String interviewId) {
    return new PersistentVolumeClaimBuilder(claim)
        .editMetadata()
        .addToLabels(WorkspacePods.OWNER_LABEL, interviewId)
        .endMetadata()
        .build();
  }
}
