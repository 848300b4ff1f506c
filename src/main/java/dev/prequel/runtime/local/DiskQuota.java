package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceLimits;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
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

  static final int BYTES_PER_INODE = 32 * 1024;
  private static final int MIN_INODES = 4096;
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final long TIMEOUT_SECONDS = 60;

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
    if (Isolation.find("mkfs.ext4").isEmpty()) {
      return Optional.of("mkfs.ext4 is missing (apt-get install -y e2fsprogs)");
    }
    if (Isolation.find("mount").isEmpty() || Isolation.find("umount").isEmpty()) {
      return Optional.of("mount is missing (apt-get install -y mount)");
    }
    if (!Files.exists(Path.of("/dev/loop-control")) && !Files.exists(Path.of("/dev/loop0"))) {
      return Optional.of("this machine has no loop devices (modprobe loop)");
    }
    return Optional.empty();
  }

  /** Why workspaces get no disk quota here, or empty when they do. */
  Optional<String> missing() {
    return Optional.ofNullable(missing);
  }

  private static String tool(String name) {
    return Isolation.find(name).map(Path::toString).orElse(name);
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

  private void mountImage(Path image, Path root) throws IOException, InterruptedException {
    run(
        List.of(
            tool("mount"),
            "-o",
            "loop,nosuid,nodev",
            "-t",
            "ext4",
            image.toString(),
            root.toString()));
  }

  /**
   * Unmounts the workspace's disk (lazily when something still holds it: the files vanish from the
   * folder at once, the kernel frees the rest when the last user goes) and deletes its image. Safe
   * to call again, or for a workspace that never had one.
   */
  void release(InterviewFolder folder) throws IOException, InterruptedException {
    Path root = folder.root();
    if (mounted(root)) {
      try {
        run(List.of(tool("umount"), root.toString()));
      } catch (IOException busy) {
        run(List.of(tool("umount"), "--lazy", root.toString()));
      }
    }
    Files.deleteIfExists(image(folder));
    Files.deleteIfExists(partial(folder));
  }

  /**
   * Whether the workspace's disk is full for its user (blocks or inodes), and how big it is: a line
   * for the interview's log, or empty.
   */
  Optional<String> full(InterviewFolder folder) {
    Path root = folder.root();
    if (!mounted(root)) {
      return Optional.empty();
    }
    try {
      // %a blocks free to non-root users, %S their size, %b all blocks, %d free inodes
      String out =
          output(List.of(tool("stat"), "-f", "-c", "%a %S %b %d", root.toString())).strip();
      String[] f = out.split(" ", -1);
      long free = Long.parseLong(f[0]) * Long.parseLong(f[1]);
      long total = Long.parseLong(f[2]) * Long.parseLong(f[1]);
      long inodes = Long.parseLong(f[3]);
      String size = WorkspaceLimits.describeDisk((int) (image(folder).toFile().length() >> 20));
      if (free < 1024L * 1024 || free < total / 1000) {
        return Optional.of("the workspace's disk is full (" + size + ")");
      }
      if (inodes == 0) {
        return Optional.of("the workspace's disk has no room for more files (" + size + ")");
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
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
    Path partial = image.resolveSibling(image.getFileName() + ".partial");
    Files.deleteIfExists(partial);
    long bytes = diskMb * 1024L * 1024L;
    try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
      file.setLength(bytes);
    }
    long inodes = Math.max(MIN_INODES, bytes / BYTES_PER_INODE);
    List<String> command =
        new ArrayList<>(
            List.of(
                tool("mkfs.ext4"),
                "-q",
                "-F",
                "-N",
                Long.toString(inodes),
                "-m",
                "1",
                // the inode tables and journal are zero already (a new sparse file): skip writing
                "-E",
                "lazy_itable_init=1,lazy_journal_init=1,nodiscard"));
    if (diskMb >= 1024) {
      command.addAll(List.of("-J", "size=16")); // the default (64 MiB+) would be written at once
    }
    command.add(partial.toString());
    run(command);
    Files.move(partial, image, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Whether something is mounted exactly on {@code path} in Prequel's mount namespace. */
  static boolean mounted(Path path) {
    String target = path.toAbsolutePath().normalize().toString();
    try {
      for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8)) {
        String[] fields = line.split(" ", -1);
        if (fields.length > 4 && unescape(fields[4]).equals(target)) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes ({@code \040}). */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        try {
          out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException e) {
          // not an escape
        }
      }
      out.append(c);
    }
    return out.toString();
  }

  private static boolean hasEntries(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      return entries.iterator().hasNext();
    }
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    output(command);
  }

  private static String output(List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    byte[] out = p.getInputStream().readNBytes(64 * 1024);
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command.get(0) + " did not finish in " + TIMEOUT_SECONDS + " s");
    }
    if (p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command)
              + " failed ("
              + p.exitValue()
              + "): "
              + new String(out, StandardCharsets.UTF_8).strip());
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
