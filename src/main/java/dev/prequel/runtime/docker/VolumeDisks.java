package dev.prequel.runtime.docker;

import dev.prequel.runtime.CodeServerSettings;
import dev.prequel.runtime.LoopDisk;
import dev.prequel.runtime.OpenFilesExtension;
import dev.prequel.runtime.WorkspaceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A disk of its own under each workspace's volumes: Docker's overlay2 volumes have no size limit,
 * so one candidate could fill the engine's disk for everyone. Each workspace gets a {@link
 * LoopDisk} ({@code {dir}/{owner}.img}, a sparse ext4 file) loop-mounted on {@code {dir}/{owner}},
 * holding two folders, {@code workspace} and {@code home}, that the workspace's volumes bind
 * (Docker's local volume driver with {@code type=none,o=bind}). Both count against the one quota;
 * past it, writes fail with "No space left on device" inside that container only.
 *
 * <p>{@code dir} is in Prequel's data folder, 0700: the candidate never sees the disk's own root,
 * only the two folders bound into their container, so the paths the engine binds cannot be changed
 * by them. Prequel creates those folders once, on the fresh file system, before any container runs
 * on it, and never touches the inside again: after a reboot it only mounts the image again, before
 * the container starts or its files are read. An unmounted disk makes the bind fail (its folders
 * are then missing), so a container never runs on the host's disk by mistake.
 *
 * <p>The mount is made in Prequel's mount namespace, which must be the engine's: Prequel on the
 * engine's host, as root. With a remote {@code DOCKER_HOST} (or without root, loop devices or
 * mkfs.ext4) workspaces get no quota, and {@link #missing} says why, for {@code /healthz} and the
 * interview's log.
 */
final class VolumeDisks {

  static final String WORKSPACE = "workspace";
  static final String HOME = "home";

  /** Prequel's own files for code-server, bound read-only: see {@link #prequelFiles}. */
  static final String PREQUEL = "prequel";

  private static final int CANDIDATE_UID = 1000;

  /** Owner ids as {@link WorkspaceContainer#checkId} takes them; anything else here is not ours. */
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private final Path dir;
  private final String missing;

  /**
   * @param dir where images and mount points live (made 0700); null: no quotas
   * @param dockerHost {@code DOCKER_HOST}: an engine on another machine cannot mount this one's
   *     disks
   */
  VolumeDisks(Path dir, String dockerHost) {
    this.dir = dir == null ? null : dir.toAbsolutePath().normalize();
    this.missing = whyNot(dir, dockerHost).orElse(null);
  }

  private static Optional<String> whyNot(Path dir, String dockerHost) {
    if (DockerEngine.remote(dockerHost)) {
      return Optional.of(
          "the engine is remote ("
              + dockerHost
              + "): workspaces get no disk quota (volumes without a size limit)");
    }
    if (dir == null) {
      return Optional.of("no folder for workspace disks: workspaces get no disk quota");
    }
    if (!root()) {
      return Optional.of("Prequel does not run as root: workspaces get no disk quota");
    }
    return LoopDisk.whyNot().map(why -> why + ": workspaces get no disk quota");
  }

  private static boolean root() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Why workspaces get no disk quota, or empty when they do. */
  Optional<String> missing() {
    return Optional.ofNullable(missing);
  }

  /**
   * The owner's disk, made ({@code diskMb}) or mounted again, with its two folders; empty when
   * there are no quotas.
   *
   * @param volumesExist whether the owner's volumes were made already: without an image they
   *     predate quotas, and stay as they are
   */
  Optional<Path> attach(String owner, int diskMb, boolean volumesExist, Consumer<String> log)
      throws IOException, InterruptedException {
    if (missing != null) {
      log.accept("warning: " + missing);
      return Optional.empty();
    }
    Path image = image(owner);
    Path mount = mountPoint(owner);
    if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
      if (volumesExist) {
        log.accept("no disk quota: this workspace's volumes predate it");
        return Optional.empty();
      }
      long started = System.nanoTime();
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      LoopDisk.make(image, diskMb);
      Files.createDirectories(mount);
      LoopDisk.mount(image, mount);
      // a fresh file system: nothing of the candidate's in it yet
      for (String folder : new String[] {WORKSPACE, HOME}) {
        candidates(Files.createDirectory(mount.resolve(folder)), "rwx------");
      }
      // where the engine binds Prequel's extension: made now, as the candidate's (the engine
      // would make the missing folders as root, and code-server could not write its own there)
      Path folder = mount.resolve(HOME);
      for (String part : WorkspaceContainer.EXTENSIONS_IN_HOME.split("/", -1)) {
        folder = candidates(Files.createDirectory(folder.resolve(part)), "rwxr-xr-x");
      }
      candidates(Files.createDirectory(folder.resolve(OpenFilesExtension.FOLDER)), "rwxr-xr-x");
      Path own = Files.createDirectory(mount.resolve(PREQUEL));
      OpenFilesExtension.installInto(own.resolve("open-files"));
      Files.writeString(own.resolve("settings.json"), CodeServerSettings.USER_SETTINGS);
      log.accept(
          "disk: "
              + WorkspaceLimits.describeDisk(diskMb)
              + " of its own (made and mounted in "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms)");
      return Optional.of(mount);
    }
    reattach(owner);
    return Optional.of(mount);
  }

  private static Path candidates(Path made, String mode) throws IOException {
    Files.setAttribute(made, "unix:uid", CANDIDATE_UID, LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(made, "unix:gid", CANDIDATE_UID, LinkOption.NOFOLLOW_LINKS);
    Files.setPosixFilePermissions(made, PosixFilePermissions.fromString(mode));
    return made;
  }

  /**
   * Prequel's files for the owner's code-server ({@code open-files}, the extension that opens the
   * challenge's files, and {@code settings.json}, the candidate's first settings), on its disk
   * beside the candidate's folders, never bound writable into the container: only Prequel writes
   * there. Empty without a disk of this Prequel's making.
   */
  Optional<Path> prequelFiles(String owner) {
    if (missing != null) {
      return Optional.empty();
    }
    Path own = mountPoint(owner).resolve(PREQUEL);
    return LoopDisk.mounted(mountPoint(owner)) && Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS)
        ? Optional.of(own)
        : Optional.empty();
  }

  /** Mounts the owner's kept disk when it is not (after a reboot); nothing without one. */
  void reattach(String owner) throws IOException {
    if (missing != null) {
      return;
    }
    Path image = image(owner);
    Path mount = mountPoint(owner);
    if (Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS) && !LoopDisk.mounted(mount)) {
      try {
        Files.createDirectories(mount);
        LoopDisk.mount(image, mount);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while mounting " + image, e);
      }
    }
  }

  /** Whether the owner's disk is full, as a line for the interview's log. */
  Optional<String> full(String owner) {
    if (missing != null) {
      return Optional.empty();
    }
    Path image = image(owner);
    String size = WorkspaceLimits.describeDisk((int) (image.toFile().length() >> 20));
    return LoopDisk.full(mountPoint(owner), size);
  }

  /**
   * Unmounts the owner's disk and deletes it (the candidate's files with it), once no container
   * uses its volumes. Safe to call again, or for an owner that never had one.
   */
  void release(String owner) throws IOException, InterruptedException {
    if (dir == null || missing != null) {
      return;
    }
    Path mount = mountPoint(owner);
    unmountEvenIfInterrupted(mount);
    if (Files.isDirectory(mount, LinkOption.NOFOLLOW_LINKS) && !LoopDisk.mounted(mount)) {
      Files.deleteIfExists(mount); // empty once unmounted: only Prequel writes in dir
    }
    Files.deleteIfExists(image(owner));
    Files.deleteIfExists(LoopDisk.partial(image(owner)));
  }

  /**
   * Owners that have a disk here (its image or its mount point), mounted or not: a removal that
   * stopped after the owner's volumes and network were gone leaves only its disk, which no listing
   * of the engine shows. Empty without quotas.
   */
  List<String> owners() {
    if (dir == null || missing != null || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    Set<String> owners = new TreeSet<>();
    try (Stream<Path> entries = Files.list(dir)) {
      entries.forEach(
          e -> {
            // {owner}, {owner}.img or {owner}.img.partial (a disk being made when Prequel stopped)
            String owner = e.getFileName().toString().replaceFirst("\\.img(\\.partial)?$", "");
            if (ID.matcher(owner).matches()) {
              owners.add(owner);
            }
          });
    } catch (IOException e) {
      return List.of(); // the next pass looks again
    }
    return List.copyOf(owners);
  }

  /**
   * Unmounts even when this thread is interrupted (a pool stopping while it removes a spare): an
   * interrupted umount would leave the disk mounted after its volumes and network are gone. The
   * interrupt is kept for the caller.
   */
  private static void unmountEvenIfInterrupted(Path mount) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      for (int attempt = 0; ; attempt++) {
        try {
          LoopDisk.unmount(mount);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
          if (attempt >= 2) {
            throw new IOException("interrupted while unmounting " + mount, e);
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private Path image(String owner) {
    return dir.resolve(WorkspaceContainer.checkId(owner) + ".img");
  }

  private Path mountPoint(String owner) {
    return dir.resolve(WorkspaceContainer.checkId(owner));
  }
}
