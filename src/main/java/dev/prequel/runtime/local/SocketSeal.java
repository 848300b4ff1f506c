package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a sandboxed code-server's socket where the candidate cannot change it while the proxy uses
 * it (issue 11, attack 1: the candidate swapped their socket for a link to a host socket, and the
 * proxy, as root, connected to whatever the link named).
 *
 * <pre>
 * {id}/sockets/            Prequel's (root), 0755
 *   7/                     this start's: the workspace user's (0700) until sealed, then root's (0711)
 *     code-server.sock     code-server's socket, bound at /run/prequel inside the sandbox
 *   6.removed              an earlier start's, being removed
 * </pre>
 *
 * Each start of code-server gets a fresh folder; code-server, as the workspace's user, binds its
 * socket there. Once the socket is there, Prequel <em>seals</em> the folder: through a descriptor
 * opened without following links, relative to the root-owned {@code sockets/}, it makes the folder
 * root's (0711), then checks with lstat that the entry is a socket of the workspace's uid. From
 * then on the candidate can neither remove nor replace that entry. Only then does the short link
 * the proxy connects through ({@link SocketLinks}) appear: before, a connection finds nothing, so
 * the proxy never talks to an unsealed folder. A restart gets a new folder; the old one is renamed
 * away inside {@code sockets/} and removed without following links.
 *
 * <p>Sealing needs code-server to have bound its socket, which takes about a second. It is tried
 * when the kernel reports the socket's creation, and every poll after each start ({@link
 * SealWatch}, never by a request or the lifecycle's worker), and again by {@link LocalRuntime#find}
 * for a workspace adopted after a restart of Prequel.
 */
final class SocketSeal {

  static final String SOCKET = "code-server.sock";
  private static final Logger LOG = LoggerFactory.getLogger(SocketSeal.class);
  private static final String REMOVED = ".removed";
  private static final int MAX_DEPTH = 64;
  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

  private final SocketLinks links;

  /** Folder name → the sealed socket folder it links to; what need not be looked at again. */
  private final Map<String, Path> sealed = new ConcurrentHashMap<>();

  SocketSeal(SocketLinks links) {
    this.links = links;
  }

  /**
   * Before code-server starts: removes the link and every earlier socket folder, and makes this
   * start's, owned by {@code user}. Answers the socket's short path, which leads nowhere until the
   * folder is sealed.
   */
  synchronized Path fresh(InterviewFolder folder, WorkspaceUsers.User user) throws IOException {
    sealed.remove(folder.interviewId());
    links.unlink(folder);
    Path sockets = folder.sockets();
    try {
      Files.createDirectory(sockets, PosixFilePermissions.asFileAttribute(rootOnlyWrite()));
    } catch (FileAlreadyExistsException e) {
      // checked below: it must be a folder of Prequel's own, or nothing in it can be trusted
    }
    if (!Files.isDirectory(sockets, NOFOLLOW)
        || !Files.getAttribute(sockets, "unix:uid", NOFOLLOW).equals(SocketLinks.uid())) {
      throw new IOException(sockets + " is not a folder of Prequel's own user");
    }
    int next = 1;
    try (SecureDirectoryStream<Path> parent = secure(sockets)) {
      for (String name : names(parent)) {
        next = Math.max(next, number(name) + 1);
        Path old = Path.of(name);
        if (!name.endsWith(REMOVED)) {
          old = Path.of(name + REMOVED);
          parent.move(Path.of(name), parent, old);
        }
        try {
          deleteTree(parent, old, 0);
        } catch (IOException e) {
          LOG.warn(
              "cannot remove the old socket folder {}: {}", sockets.resolve(old), e.toString());
        }
      }
    }
    Path dir = sockets.resolve(Integer.toString(next));
    Files.createDirectory(
        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    // A fresh entry of a root-owned folder: no one else can have put anything at this path.
    Files.setAttribute(dir, "unix:uid", user.uid(), NOFOLLOW);
    Files.setAttribute(dir, "unix:gid", user.gid(), NOFOLLOW);
    return links.pathOf(folder);
  }

  /** This start's socket folder (sealed or not), to bind at /run/prequel in its sandboxes. */
  static Optional<Path> current(InterviewFolder folder) {
    Path sockets = folder.sockets();
    if (!Files.isDirectory(sockets, NOFOLLOW)) {
      return Optional.empty();
    }
    try (SecureDirectoryStream<Path> parent = secure(sockets)) {
      return names(parent).stream()
          .filter(name -> !name.endsWith(REMOVED))
          .max(java.util.Comparator.comparingInt(SocketSeal::number))
          .map(sockets::resolve);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Seals this start's socket folder if code-server has bound its socket there; answers whether it
   * is sealed (and linked for the proxy). Cheap once sealed.
   */
  boolean sealIfReady(InterviewFolder folder, int uid) {
    Path done = sealed.get(folder.interviewId());
    if (done != null) {
      return true;
    }
    synchronized (this) {
      try {
        return seal(folder, uid);
      } catch (NoSuchFileException e) {
        return false; // removed meanwhile (destroy, or a new start)
      } catch (IOException e) {
        LOG.warn("{}: cannot seal the socket folder: {}", folder.root(), e.toString());
        return false;
      }
    }
  }

  private boolean seal(InterviewFolder folder, int uid) throws IOException {
    Optional<Path> current = current(folder);
    if (current.isEmpty()) {
      return false;
    }
    Path name = current.get().getFileName();
    UserPrincipal expected = user(uid);
    UserPrincipal root = user(0);
    try (SecureDirectoryStream<Path> parent = secure(folder.sockets());
        SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, NOFOLLOW)) {
      PosixFileAttributeView view = dir.getFileAttributeView(PosixFileAttributeView.class);
      UserPrincipal owner = view.readAttributes().owner();
      if (owner.equals(expected)) {
        if (!isSocketOf(dir, expected)) {
          return false; // code-server has not bound it yet
        }
        // Root's first, then the check: once root's, the candidate cannot change the entry.
        view.setOwner(root);
        view.setGroup(group(0));
        view.setPermissions(PosixFilePermissions.fromString("rwx--x--x"));
      } else if (!owner.equals(root)) {
        LOG.warn("{}: socket folder {} belongs to {}: not served", folder.root(), name, owner);
        return false;
      }
      if (!isSocketOf(dir, expected)) {
        LOG.warn(
            "{}: socket folder {} holds no socket of the workspace's user: not served",
            folder.root(),
            name);
        return false;
      }
    }
    links.link(folder, current.get());
    sealed.put(folder.interviewId(), current.get());
    return true;
  }

  /** Whether the folder's socket entry (not followed) is a socket-like file of that user. */
  private static boolean isSocketOf(SecureDirectoryStream<Path> dir, UserPrincipal user)
      throws IOException {
    try {
      PosixFileAttributes socket =
          dir.getFileAttributeView(Path.of(SOCKET), PosixFileAttributeView.class, NOFOLLOW)
              .readAttributes();
      // "other": a socket, FIFO or device; the sandbox makes no devices, and a FIFO accepts no
      // connection. The peer's uid is checked again at each connection.
      return socket.isOther() && socket.owner().equals(user);
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** Removes a tree through descriptors, never following a link. */
  private static void deleteTree(SecureDirectoryStream<Path> parent, Path name, int depth)
      throws IOException {
    BasicFileAttributes attributes =
        parent.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
    if (attributes.isDirectory()) {
      if (depth > MAX_DEPTH) {
        throw new IOException("more than " + MAX_DEPTH + " folders deep");
      }
      try (SecureDirectoryStream<Path> dir = parent.newDirectoryStream(name, NOFOLLOW)) {
        for (String entry : names(dir)) {
          deleteTree(dir, Path.of(entry), depth + 1);
        }
      }
      parent.deleteDirectory(name);
    } else {
      parent.deleteFile(name);
    }
  }

  private static List<String> names(SecureDirectoryStream<Path> dir) {
    List<String> names = new ArrayList<>();
    for (Path entry : dir) {
      names.add(entry.getFileName().toString());
    }
    return names;
  }

  /** A start's number from its folder's name; 0 for anything else. */
  private static int number(String name) {
    String digits =
        name.endsWith(REMOVED) ? name.substring(0, name.length() - REMOVED.length()) : name;
    try {
      return Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  // The stream is the caller's to close (try-with-resources), or closed here when it is refused.
  @SuppressWarnings("StreamResourceLeak")
  private static SecureDirectoryStream<Path> secure(Path dir) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(dir);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new IOException("this platform cannot open folders relative to a descriptor");
  }

  private static java.util.Set<java.nio.file.attribute.PosixFilePermission> rootOnlyWrite() {
    return PosixFilePermissions.fromString("rwxr-xr-x");
  }

  private static UserPrincipal user(int uid) throws IOException {
    return FileSystems.getDefault()
        .getUserPrincipalLookupService()
        .lookupPrincipalByName(Integer.toString(uid));
  }

  private static GroupPrincipal group(int gid) throws IOException {
    return FileSystems.getDefault()
        .getUserPrincipalLookupService()
        .lookupPrincipalByGroupName(Integer.toString(gid));
  }
}
