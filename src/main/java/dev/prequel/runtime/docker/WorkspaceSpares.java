package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Spare workspace containers, and claiming one for an interview. A spare is a workspace whose
 * container, volumes and network carry a spare id ({@code spare-…}). Claiming it renames its
 * container to the interview's name through the Engine API: one atomic step, kept by the engine
 * across restarts of Prequel (and refused when the name is taken), that leaves the running
 * code-server, its volumes and its network untouched. Labels cannot change, so the claimed
 * container keeps its spare's label: that is how its volumes and network are found when the
 * interview's workspace is destroyed, and how a claimed spare id is told from a free one (its label
 * still exists, under another name).
 */
final class WorkspaceSpares {

  private final DockerClient docker;
  private final String scope;
  private final Supplier<List<String>> diskOwners;

  /**
   * @param diskOwners the owners that have a disk in this Prequel's disk folder ({@link
   *     VolumeDisks#owners})
   */
  WorkspaceSpares(DockerClient docker, String scope, Supplier<List<String>> diskOwners) {
    this.docker = docker;
    this.scope = scope;
    this.diskOwners = diskOwners;
  }

  /**
   * Whether this spare may become the interview's: it runs, the interview has no container or files
   * of its own, and it was made with the disk and network the challenge gets. Limits change on a
   * running container; its network and disk cannot, so a challenge that gets others starts cold.
   */
  static boolean fits(
      Optional<InspectContainerResponse> spare,
      boolean interviewHasOwn,
      WorkspaceLimits limits,
      Outbound outbound) {
    if (spare.isEmpty() || !WorkspaceContainer.running(spare.get()) || interviewHasOwn) {
      return false;
    }
    Map<String, String> made = spare.get().getConfig().getLabels(); // fixed when it was made
    return Integer.toString(limits.diskMb()).equals(made.get(WorkspaceContainer.LABEL_DISK))
        && outbound.wireName().equals(made.get(WorkspaceContainer.LABEL_OUTBOUND));
  }

  /**
   * Spares not claimed: containers still named after a spare, running or not, and what is left of a
   * spare whose container is gone (its volumes, network or disk, after a crash halfway through a
   * destroy), so that the pool removes it.
   */
  List<String> unclaimed() {
    Set<String> spares = new LinkedHashSet<>();
    Set<String> owners = new HashSet<>();
    for (Container c : workspaceContainers()) {
      owners.add(owner(c.getLabels()));
      WorkspaceContainer.idOf(c.getNames())
          .filter(WorkspaceContainer::isSpare)
          .ifPresent(spares::add);
    }
    spares.addAll(leftovers(owners));
    return List.copyOf(spares);
  }

  /**
   * Spares half removed: their volumes, network or Prequel files remain, but no container was made
   * for them (or it is gone). No candidate was ever in one; a spare being made right now looks the
   * same for a moment, so the caller waits before removing one.
   */
  List<String> halfRemoved() {
    Set<String> owners = new HashSet<>();
    for (Container c : workspaceContainers()) {
      owners.add(owner(c.getLabels()));
    }
    return leftovers(owners);
  }

  private List<String> leftovers(Set<String> owners) {
    var volumes =
        docker
            .listVolumesCmd()
            .withFilter(
                "label",
                List.of(
                    WorkspaceContainer.LABEL_RUNTIME + "=" + WorkspaceContainer.RUNTIME,
                    WorkspaceContainer.LABEL_SCOPE + "=" + scope))
            .exec()
            .getVolumes();
    List<String> leftovers = new ArrayList<>();
    if (volumes != null) {
      volumes.forEach(v -> leftovers.add(owner(v.getLabels())));
    }
    for (Network n : docker.listNetworksCmd().exec()) {
      if (n.getLabels() != null
          && WorkspaceContainer.RUNTIME.equals(n.getLabels().get(WorkspaceContainer.LABEL_RUNTIME))
          && scope.equals(n.getLabels().get(WorkspaceContainer.LABEL_SCOPE))) {
        leftovers.add(owner(n.getLabels()));
      }
    }
    List<String> found =
        new ArrayList<>(
            leftovers.stream()
                .filter(Objects::nonNull)
                .filter(WorkspaceContainer::isSpare)
                .filter(id -> !owners.contains(id))
                .distinct()
                .toList());
    for (String disk : diskOwners.get()) {
      if (WorkspaceContainer.isSpare(disk)
          && !owners.contains(disk)
          && !found.contains(disk)
          && onlyItsDiskIsLeft(disk)) {
        found.add(disk);
      }
    }
    return List.copyOf(found);
  }

  /**
   * Whether nothing but its disk is left of this spare: no container by its name and no files
   * volume, in any scope. A removal that stopped just before its disk (Prequel stopping while its
   * pool removed the spare) leaves it so, mounted, where no listing of the engine finds it.
   */
  private boolean onlyItsDiskIsLeft(String spare) {
    try {
      docker.inspectContainerCmd(WorkspaceContainer.name(spare)).exec();
      return false;
    } catch (NotFoundException e) {
      // no container of that name
    }
    try {
      docker.inspectVolumeCmd(WorkspaceContainer.workspaceVolume(spare)).exec();
      return false; // volumes: the engine's listing finds it, in its own scope
    } catch (NotFoundException e) {
      return true;
    }
  }

  /**
   * Whether this spare id was claimed: a container made for it runs under another name (an
   * interview's). Its id then names nothing: stopping or destroying through it would hit the
   * interview's workspace.
   */
  boolean claimed(String spareId) {
    String ownName = WorkspaceContainer.name(spareId);
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(WorkspaceContainer.LABEL_OWNER, spareId))
        .exec()
        .stream()
        .anyMatch(
            c ->
                WorkspaceContainer.idOf(c.getNames())
                    .map(id -> !WorkspaceContainer.name(id).equals(ownName))
                    .orElse(false));
  }

  /**
   * Gives the running spare the interview's limits, then its name. Returns false, the spare left as
   * it was, when the interview's name was taken meanwhile.
   *
   * @param spareLimits what the spare ran with, restored when the rename is refused
   */
  boolean claim(
      String spareId, String interviewId, WorkspaceLimits limits, WorkspaceLimits spareLimits) {
    String spare = WorkspaceContainer.name(spareId);
    update(spare, limits);
    try {
      docker.renameContainerCmd(spare).withName(WorkspaceContainer.name(interviewId)).exec();
      return true;
    } catch (ConflictException e) {
      update(spare, spareLimits);
      return false;
    }
  }

  /** The running container's memory, CPU and process limits, changed in place. */
  private void update(String container, WorkspaceLimits limits) {
    long memory = limits.memoryMb() * 1024L * 1024L;
    docker
        .updateContainerCmd(container)
        .withMemory(memory)
        .withMemorySwap(memory)
        .withNanoCPUs(limits.milliCpus() * 1_000_000L)
        .withPidsLimit((long) limits.maxProcesses())
        .exec();
  }

  private List<Container> workspaceContainers() {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(WorkspaceContainer.scopeFilter(scope))
        .exec();
  }

  private static String owner(Map<String, String> labels) {
    return labels == null ? null : labels.get(WorkspaceContainer.LABEL_OWNER);
  }
}
