package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.prequel.runtime.CodeServerSettings;
import dev.prequel.runtime.OpenFilesExtension;
import dev.prequel.runtime.WorkspaceClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Prequel's own files for a workspace's code-server: the open-files extension, the files it opens
 * ({@code files.json}), the candidate's clock ({@code clock.json}) and their first settings. The
 * container sees them read-only, at {@code /prequel} and as the extension's folder; only Prequel
 * writes them, and it writes them again whenever the clock moves.
 *
 * <p>They live in one of two places:
 *
 * <ul>
 *   <li>on the workspace's own disk ({@link VolumeDisks#prequelFiles}), beside the candidate's
 *       folders, in a folder no container gets writable: Prequel writes it directly;
 *   <li>without a disk (a remote engine, or no root or loop devices here), in a volume of their own
 *       ({@code prequel-{owner}-prequel}). No host folder is bound, so this works on any engine:
 *       Prequel writes the volume through the archive API of a <em>carrier</em>, a container that
 *       is made beside the workspace's but never started, the only one that mounts the volume
 *       writable. The engine extracts inside the carrier's own view, so Prequel opens no path at
 *       all, on any host.
 * </ul>
 */
final class PrequelFiles {

  /** Marks carriers: never a workspace, so never listed, adopted or retired as one. */
  static final String CARRIER_RUNTIME = "docker-files";

  private final DockerClient docker;
  private final VolumeDisks disks;
  private final String image;
  private final String scope;

  PrequelFiles(DockerClient docker, VolumeDisks disks, String image, String scope) {
    this.docker = docker;
    this.disks = disks;
    this.image = image;
    this.scope = scope;
  }

  static String volume(String owner) {
    return WorkspaceContainer.name(owner) + "-prequel";
  }

  /** Not {@code prequel-…}: a carrier's name never reads as a workspace's. */
  static String carrier(String owner) {
    return "prequel.files." + WorkspaceContainer.checkId(owner);
  }

  /**
   * Where the owner's container mounts Prequel's files from, made when missing: the disk's folder
   * when it has one, else the volume (with its carrier). On a {@code fresh} home volume, the
   * folders above the extension's mount point are made the candidate's first: the engine would make
   * them as root, and code-server could not write its own extensions there.
   */
  WorkspaceContainer.PrequelMount prepare(String owner, boolean fresh) throws IOException {
    Optional<Path> own = disks.prequelFiles(owner);
    if (own.isPresent()) {
      return WorkspaceContainer.PrequelMount.folder(own.get());
    }
    boolean made = ensureCarrier(owner);
    if (made) {
      Map<String, String> files = new LinkedHashMap<>(OpenFilesExtension.files());
      files.put("settings.json", CodeServerSettings.USER_SETTINGS);
      put(owner, WorkspaceContainer.PREQUEL, files);
    }
    if (fresh) {
      List<String> folders = new ArrayList<>();
      String path = "";
      for (String part : WorkspaceContainer.EXTENSIONS_IN_HOME.split("/", -1)) {
        path += part + "/";
        folders.add(path);
      }
      folders.add(path + OpenFilesExtension.FOLDER + "/");
      putFolders(owner, WorkspaceContainer.HOME, folders);
    }
    return WorkspaceContainer.PrequelMount.volume(volume(owner));
  }

  /** Names the files the workbench opens at its first start; false when the owner has no place. */
  boolean openFiles(String owner, List<String> files) throws IOException {
    Optional<Path> own = disks.prequelFiles(owner);
    if (own.isPresent()) {
      OpenFilesExtension.openIn(own.get().resolve("open-files"), files);
      return true;
    }
    if (!carrierExists(owner)) {
      return false;
    }
    put(
        owner,
        WorkspaceContainer.PREQUEL,
        Map.of(OpenFilesExtension.FILES_JSON, OpenFilesExtension.filesJson(files)));
    return true;
  }

  /** Tells the owner's extension when the interview ends; false when the owner has no place. */
  boolean showClock(String owner, WorkspaceClock clock) throws IOException {
    Optional<Path> own = disks.prequelFiles(owner);
    if (own.isPresent()) {
      OpenFilesExtension.showClock(
          own.get().resolve("open-files"), clock.endsAt(), clock.submitUrl());
      return true;
    }
    if (!carrierExists(owner)) {
      return false;
    }
    put(
        owner,
        WorkspaceContainer.PREQUEL,
        Map.of(
            OpenFilesExtension.CLOCK_JSON,
            OpenFilesExtension.clockJson(clock.endsAt(), clock.submitUrl())));
    return true;
  }

  /** Removes the carrier and the volume (once the workspace's container is gone). */
  void remove(String owner) {
    try {
      docker.removeContainerCmd(carrier(owner)).withForce(true).exec();
    } catch (NotFoundException e) {
      // never made, or gone
    }
    try {
      docker.removeVolumeCmd(volume(owner)).exec();
    } catch (NotFoundException e) {
      // never made, or gone
    }
  }

  /** Makes the volume and its carrier when missing; true when the carrier was made now. */
  private boolean ensureCarrier(String owner) {
    if (carrierExists(owner)) {
      return false;
    }
    docker
        .createVolumeCmd()
        .withName(volume(owner))
        .withLabels(WorkspaceContainer.labels(owner, scope))
        .exec();
    Map<String, String> labels = new LinkedHashMap<>(WorkspaceContainer.labels(owner, scope));
    labels.put(WorkspaceContainer.LABEL_RUNTIME, CARRIER_RUNTIME);
    try {
      docker
          .createContainerCmd(image)
          .withName(carrier(owner))
          .withLabels(labels)
          .withUser(WorkspaceContainer.USER)
          .withCmd("true")
          .withHostConfig(
              HostConfig.newHostConfig()
                  .withReadonlyRootfs(true)
                  .withNetworkMode("none")
                  .withMounts(
                      List.of(
                          mount(volume(owner), WorkspaceContainer.PREQUEL),
                          mount(WorkspaceContainer.homeVolume(owner), WorkspaceContainer.HOME))))
          .exec();
      return true;
    } catch (ConflictException e) {
      return false; // made meanwhile
    }
  }

  private boolean carrierExists(String owner) {
    try {
      docker.inspectContainerCmd(carrier(owner)).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  private static Mount mount(String volume, String target) {
    return new Mount().withType(MountType.VOLUME).withSource(volume).withTarget(target);
  }

  /** Files into {@code folder} of the carrier, owned by root, readable by all. */
  private void put(String owner, String folder, Map<String, String> files) throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (var file : files.entrySet()) {
        byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(file.getKey());
        entry.setSize(content.length);
        entry.setMode(0100644);
        entry.setIds(0, 0);
        out.putArchiveEntry(entry);
        out.write(content);
        out.closeArchiveEntry();
      }
    }
    send(owner, folder, tar.toByteArray());
  }

  /** Folders into {@code folder} of the carrier, the candidate's (0755). */
  private void putFolders(String owner, String folder, List<String> folders) throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String name : folders) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setMode(040755);
        entry.setIds(WorkspaceContainer.UID, WorkspaceContainer.UID);
        out.putArchiveEntry(entry);
        out.closeArchiveEntry();
      }
    }
    send(owner, folder, tar.toByteArray());
  }

  private void send(String owner, String folder, byte[] tar) {
    docker
        .copyArchiveToContainerCmd(carrier(owner))
        .withRemotePath(folder)
        .withNoOverwriteDirNonDir(true)
        .withTarInputStream(new ByteArrayInputStream(tar))
        .exec();
  }
}
