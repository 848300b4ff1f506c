package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The two volumes of a workspace ({@code /workspace} and the home folder), named and labelled after
 * the interview or spare they were made for. They outlive the container: a stopped workspace keeps
 * its files until it is destroyed.
 */
final class WorkspaceVolumes {

  private final DockerClient docker;
  private final String scope;

  WorkspaceVolumes(DockerClient docker, String scope) {
    this.docker = docker;
    this.scope = scope;
  }

  static List<String> names(String owner) {
    return List.of(WorkspaceContainer.workspaceVolume(owner), WorkspaceContainer.homeVolume(owner));
  }

  /**
   * Makes the owner's volumes when missing: on its own disk when it has one (binds of the disk's
   * two folders, see {@link VolumeDisks}), else Docker's plain volumes.
   */
  void ensure(String owner, Optional<Path> disk) {
    List<String> folders = List.of(VolumeDisks.WORKSPACE, VolumeDisks.HOME);
    List<String> names = names(owner);
    for (int i = 0; i < names.size(); i++) {
      var create =
          docker
              .createVolumeCmd()
              .withName(names.get(i))
              .withLabels(WorkspaceContainer.labels(owner, scope));
      if (disk.isPresent()) {
        create
            .withDriver("local")
            .withDriverOpts(
                Map.of(
                    "type", "none",
                    "o", "bind",
                    "device", disk.get().resolve(folders.get(i)).toString()));
      }
      create.exec(); // idempotent: an existing volume is returned as it is
    }
  }

  /** Whether the owner has files: its workspace volume exists. */
  boolean exist(String owner) {
    try {
      docker.inspectVolumeCmd(WorkspaceContainer.workspaceVolume(owner)).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Removes the owner's volumes (once no container uses them); nothing when there are none. */
  void remove(String owner) {
    for (String volume : names(owner)) {
      try {
        docker.removeVolumeCmd(volume).exec();
      } catch (NotFoundException e) {
        // already gone
      }
    }
  }
}
