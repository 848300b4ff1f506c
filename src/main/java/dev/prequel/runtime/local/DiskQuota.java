package dev.prequel.runtime.local;

import dev.prequel.runtime.LoopDisk;
import dev.prequel.runtime.WorkspaceLimits;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A disk of its own for each sandboxed workspace, enforced by the kernel: a sparse file holding an
 * ext4 file system ({@code data/disks/{folder}.img}, in a folder only root reaches), loop-mounted
 * {@code nosuid,nodev} on the workspace's whole folder. Everything the candidate can write there
 * (files, HOME, code-server's data and extensions, its socket folder, its log) counts against it;
 * past it, writes fail with "No space left on device" and nothing else on the machine notices. The
 * file system has a bounded number of inodes (one per {@value #BYTES_PER_INODE} bytes), so a
 * million small files fail too. 1 % of its blocks are kept for root: Prequel's own small writes
 * there (its state file, settings) still succeed on a full disk.
 *
 * <p>The image is sparse: it takes on the host only what the candidate really wrote (and about 3 MB
 * of ext4's own), so the quotas of all workspaces may add up to more than the host's disk. It lives
 * until the workspace is destroyed: a stopped workspace keeps its files, and a restarted Prequel
 * (or machine) mounts the same image again, or adopts the mount it finds.
 */
final class DiskQuota {

  static final int BYTES_PER_INODE = LoopDisk.BYTES_PER_INODE;

  private final Path disksDir;
  private final String missing;

  /**
   * @param disksDir where the images live (made 0700)
   * @param sandboxed whether workspaces run sandboxed; without a sandbox there is no quota
   */
  DiskQuota(Path disksDir, boolean sandboxed) {
    this.disksDir = disksDir;
    this.missing = sandboxed ? whyNot().orElse(null) : "workspaces are not sandboxed";
  }

  /** Why this machine cannot have quotas, or empty when it can. */
  private static Optional<String> whyNot() {
    return LoopDisk.whyNot();
  }

  /** Why workspaces get no disk quota here, or empty when they do. */
  Optional<String> missing() {
    return Optional.ofNullable(missing);
  }

  /**
   * Gives the workspace's folder its disk: adopts a mount already there, mounts an existing image,
   * or makes one of {@code diskMb}. Call before anything is written into the folder.
   *
   * @return what happened, for the interview's log
   */
  String attach(InterviewFolder folder, int diskMb) throws IOException, InterruptedException {
    if (missing != null) {
      return "no disk quota: " + missing;
    }
    Path root = folder.root();
    Path image = image(folder);
    if (mounted(root)) {
      return "disk: " + WorkspaceLimits.describeDisk(diskMb) + " (already mounted)";
    }
    Files.createDirectories(root);
    long started = System.nanoTime();
    String made = "";
    if (!Files.exists(image, LinkOption.NOFOLLOW_LINKS)) {
      if (hasEntries(root)) {
        // A workspace from before quotas: mounting over it would hide the candidate's files.
        return "no disk quota: this workspace's folder predates it";
      }
      make(image, diskMb);
      made = "made and ";
    }
    mountImage(image, root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    return "disk: "
        + WorkspaceLimits.describeDisk(diskMb)
        + " of its own ("
        + made
        + "mounted in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
        + " ms)";
  }

  /**
   * Mounts a kept image that is not mounted (after a reboot, or a Prequel whose mounts ended with
   * it) so that its files can be read: a stopped workspace's final snapshot must see them.
   */
  void reattach(InterviewFolder folder) throws IOException {
    Path image = image(folder);
    if (missing == null
        && Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS)
        && Files.isDirectory(folder.root(), LinkOption.NOFOLLOW_LINKS)
        && !mounted(folder.root())) {
      try {
        mountImage(image, folder.root());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while mounting " + image, e);
      }
    }
  }

  private static void mountImage(Path image, Path root) throws IOException, InterruptedException {
    LoopDisk.mount(image, root);
  }

  /**
   * Unmounts the workspace's disk (lazily when something still holds it: the files vanish from the
   * folder at once, the kernel frees the rest when the last user goes) and deletes its image. Safe
   * to call again, or for a workspace that never had one.
   */
  void release(InterviewFolder folder) throws IOException, InterruptedException {
    LoopDisk.unmount(folder.root());

    Files.deleteIfExists(image(folder));
    Files.deleteIfExists(partial(folder));
  }

  /**
   * Whether the workspace's disk is full for its user (blocks or inodes), and how big it is: a line
   * for the interview's log, or empty.
   */
  Optional<String> full(InterviewFolder folder) {
    String size = WorkspaceLimits.describeDisk((int) (image(folder).toFile().length() >> 20));
    return LoopDisk.full(folder.root(), size);
  }

  private Path image(InterviewFolder folder) {
    return disksDir.resolve(folder.interviewId() + ".img");
  }

  private Path partial(InterviewFolder folder) {
    return disksDir.resolve(folder.interviewId() + ".img.partial");
  }

  /** A sparse file of {@code diskMb}, made into ext4 under another name, then renamed. */
  private void make(Path image, int diskMb) throws IOException, InterruptedException {
    Files.createDirectories(disksDir);
    Files.setPosixFilePermissions(disksDir, PosixFilePermissions.fromString("rwx------"));
    LoopDisk.make(image, diskMb);
  }

  /** Whether something is mounted exactly on {@code path} in Prequel's mount namespace. */
  static boolean mounted(Path path) {
    return LoopDisk.mounted(path);
  }

  private static boolean hasEntries(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return entries.iterator().hasNext();
    }
  }
}
