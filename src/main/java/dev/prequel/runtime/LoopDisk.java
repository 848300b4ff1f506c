package dev.prequel.runtime;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A workspace's own disk, enforced by the kernel: a sparse file holding an ext4 file system,
 * loop-mounted {@code nosuid,nodev}. Past its size, writes fail with "No space left on device" and
 * nothing else on the machine notices; its inodes are bounded too (one per {@value
 * #BYTES_PER_INODE} bytes), so a million small files fail as well. 1 % of its blocks are kept for
 * root. The image takes on the host only what was really written (and about 3 MB of ext4's own), so
 * the quotas of all workspaces may add up to more than the host's disk. Shared by the local runtime
 * (a disk on each workspace's folder) and the docker runtime (a disk under each workspace's
 * volumes). Images and mount points belong in folders only root reaches.
 */
public final class LoopDisk {

  public static final int BYTES_PER_INODE = 32 * 1024;
  private static final int MIN_INODES = 4096;
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final long TIMEOUT_SECONDS = 60;
  private static final List<Path> TOOL_DIRS =
      List.of(Path.of("/usr/sbin"), Path.of("/sbin"), Path.of("/usr/bin"), Path.of("/bin"));

  private LoopDisk() {}

  /** Why this machine cannot make such disks (missing tools or loop devices), or empty. */
  public static Optional<String> whyNot() {
    if (tool("mkfs.ext4").isEmpty()) {
      return Optional.of("mkfs.ext4 is missing (apt-get install -y e2fsprogs)");
    }
    if (tool("mount").isEmpty() || tool("umount").isEmpty()) {
      return Optional.of("mount is missing (apt-get install -y mount)");
    }
    if (!Files.exists(Path.of("/dev/loop-control")) && !Files.exists(Path.of("/dev/loop0"))) {
      return Optional.of("this machine has no loop devices (modprobe loop)");
    }
    return Optional.empty();
  }

  /**
   * Makes a sparse image of {@code diskMb} holding a fresh ext4, under a {@code .partial} name
   * first, then renamed: an image that exists is whole.
   */
  public static void make(Path image, int diskMb) throws IOException, InterruptedException {
    Path partial = partial(image);
    Files.deleteIfExists(partial);
    long bytes = diskMb * 1024L * 1024L;
    try (RandomAccessFile file = new RandomAccessFile(partial.toFile(), "rw")) {
      file.setLength(bytes);
    }
    long inodes = Math.max(MIN_INODES, bytes / BYTES_PER_INODE);
    List<String> command =
        new ArrayList<>(
            List.of(
                toolOrName("mkfs.ext4"),
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

  /** The name an image has while {@link #make} makes it. */
  public static Path partial(Path image) {
    return image.resolveSibling(image.getFileName() + ".partial");
  }

  /** Mounts the image on {@code dir}, {@code nosuid,nodev}. */
  public static void mount(Path image, Path dir) throws IOException, InterruptedException {
    run(
        List.of(
            toolOrName("mount"),
            "-o",
            "loop,nosuid,nodev",
            "-t",
            "ext4",
            image.toString(),
            dir.toString()));
  }

  /**
   * Unmounts {@code dir} (lazily when something still holds it: the files vanish from the folder at
   * once, the kernel frees the rest when the last user goes); nothing when nothing is mounted.
   */
  public static void unmount(Path dir) throws IOException, InterruptedException {
    if (mounted(dir)) {
      try {
        run(List.of(toolOrName("umount"), dir.toString()));
      } catch (IOException busy) {
        run(List.of(toolOrName("umount"), "--lazy", dir.toString()));
      }
    }
  }

  /**
   * Whether the disk mounted on {@code dir} is full for its user (blocks or inodes): a line for the
   * interview's log, or empty (also when nothing is mounted there).
   *
   * @param size how big it is, as the line says it
   */
  public static Optional<String> full(Path dir, String size) {
    if (!mounted(dir)) {
      return Optional.empty();
    }
    try {
      // %a blocks free to non-root users, %S their size, %b all blocks, %d free inodes
      String out =
          output(List.of(toolOrName("stat"), "-f", "-c", "%a %S %b %d", dir.toString())).strip();
      String[] f = out.split(" ", -1);
      long free = Long.parseLong(f[0]) * Long.parseLong(f[1]);
      long total = Long.parseLong(f[2]) * Long.parseLong(f[1]);
      long inodes = Long.parseLong(f[3]);
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

  /** Whether something is mounted exactly on {@code path} in Prequel's mount namespace. */
  public static boolean mounted(Path path) {
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

  private static Optional<Path> tool(String name) {
    return TOOL_DIRS.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst();
  }

  private static String toolOrName(String name) {
    return tool(name).map(Path::toString).orElse(name);
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
