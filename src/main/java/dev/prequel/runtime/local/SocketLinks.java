package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/**
 * Short paths to the workspaces' Unix sockets. The kernel takes a socket's path only up to 107
 * bytes, and a socket inside a workspace folder under a deep data folder is longer: Prequel could
 * not reach its workspaces (they "did not answer"). So each workspace's {@code run/} folder is
 * reached through a link in a short folder of Prequel's own, one per data folder:
 *
 * <pre>
 *   /run/prequel/{12 hex digits of a digest of the workspaces folder's path}/{folder name} -> {folder}/run
 * </pre>
 *
 * The folder is Prequel's alone (0700, checked to be its own), so nobody else can point a link
 * somewhere else. {@code /run} is used when Prequel may write there (as root); otherwise {@code
 * $XDG_RUNTIME_DIR}, then the temporary folder.
 */
final class SocketLinks {

  /** The longest socket path the kernel takes (sun_path is 108 bytes with its NUL). */
  static final int MAX_SOCKET_PATH = 107;

  private static final String SOCKET = "code-server.sock";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  private final Path dir;

  SocketLinks(Path dir) {
    this.dir = dir;
  }

  /**
   * The links for the workspaces in {@code workspacesDir}; the folder is made at the first link.
   */
  static SocketLinks forWorkspaces(Path workspacesDir) {
    // A name, not a secret: a digest of the path keeps it short and the same across restarts.
    String key =
        UUID.nameUUIDFromBytes(
                workspacesDir
                    .toAbsolutePath()
                    .normalize()
                    .toString()
                    .getBytes(StandardCharsets.UTF_8))
            .toString()
            .replace("-", "")
            .substring(0, 12);
    return new SocketLinks(base().resolve(key));
  }

  /**
   * Links the folder's {@code run/} (which must exist) and answers the short path of its socket.
   */
  Path link(InterviewFolder folder) throws IOException {
    return link(folder, folder.socketDir());
  }

  /** The short path of the folder's socket, whether or not it is linked yet. */
  Path pathOf(InterviewFolder folder) throws IOException {
    Path socket = socketOf(folder.interviewId());
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
      throw new IOException(
          "the socket path "
              + socket
              + " is longer than the "
              + MAX_SOCKET_PATH
              + " bytes a Unix socket may have; set XDG_RUNTIME_DIR to a shorter folder");
    }
    return socket;
  }

  /**
   * Links {@code target}, the folder that holds the socket, and answers the short path of the
   * socket.
   */
  synchronized Path link(InterviewFolder folder, Path target) throws IOException {
    Path socket = pathOf(folder);
    ensurePrivate(dir.getParent());
    ensurePrivate(dir);
    Path link = socket.getParent();
    if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
      return socket;
    }
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, target);
    return socket;
  }

  /**
   * An unsandboxed code-server's socket folder. It runs without a password ({@code --auth none}):
   * the folder is Prequel's alone, so only Prequel's proxy, which checks the candidate's password,
   * reaches it.
   */
  static void prepareRunFolder(InterviewFolder folder) throws IOException {
    Files.createDirectories(folder.socketDir());
    Files.setPosixFilePermissions(folder.socketDir(), OWNER_ONLY);
    Files.deleteIfExists(folder.socket());
  }

  /** Removes the folder's link, if any, and the links' folder once it is empty. */
  synchronized void unlink(InterviewFolder folder) throws IOException {
    Files.deleteIfExists(dir.resolve(folder.interviewId()));
    try {
      Files.deleteIfExists(dir);
    } catch (java.nio.file.DirectoryNotEmptyException e) {
      // other workspaces still run
    }
  }

  private Path socketOf(String folderName) {
    return dir.resolve(folderName).resolve(SOCKET);
  }

  /** Makes the folder if need be; refuses one that is not this process's alone. */
  private static void ensurePrivate(Path folder) throws IOException {
    try {
      Files.createDirectory(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (Files.isSymbolicLink(folder)
        || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
        || !Files.getAttribute(folder, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(uid())) {
      throw new IOException(
          folder + " is not a folder of Prequel's own user; remove it or set XDG_RUNTIME_DIR");
    }
    Files.setPosixFilePermissions(folder, OWNER_ONLY);
  }

  /** The first base folder this process may write to: /run, $XDG_RUNTIME_DIR, the temp folder. */
  private static Path base() {
    if (Files.isWritable(Path.of("/run"))) {
      return Path.of("/run", "prequel");
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    if (xdg != null && !xdg.isBlank() && Files.isWritable(Path.of(xdg))) {
      return Path.of(xdg, "prequel").toAbsolutePath();
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "prequel-" + uid()).toAbsolutePath();
  }

  static int uid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot tell this process's user", e);
    }
  }
}
