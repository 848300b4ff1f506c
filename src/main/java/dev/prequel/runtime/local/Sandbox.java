package dev.prequel.runtime.local;

import dev.prequel.runtime.CleanEnvironment;
import dev.prequel.runtime.Outbound;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the command that runs a program in a workspace's sandbox: bubblewrap (started as root, so
 * that it can bind folders only root can reach, such as code-server's install) makes new mount,
 * pid, ipc, uts and (with outbound {@code none}) network namespaces, then setpriv drops to the
 * workspace's own user with no capabilities and no way to gain any. Inside, the program sees:
 *
 * <pre>
 * /usr, /etc (and /bin, /lib... links)  read-only, the system's tools
 * /opt/code-server                      read-only, code-server's install
 * /workspace                            the candidate's files (read-write)
 * /home/candidate                       HOME (read-write)
 * /prequel/user-data, /prequel/extensions, /prequel/code-server.yaml   code-server's own
 * /prequel/extensions/prequel.open-files-1.0.0, /prequel/default-settings.json   Prequel's, read-only
 * /run/prequel                          code-server's Unix socket ({@link SocketSeal})
 * /tmp, /dev/shm                        empty, its own (tmpfs of 512 and 64 MiB)
 * /proc, /dev                           its own processes, minimal devices
 * </pre>
 *
 * Nothing else of the host: not Prequel's data folder, other workspaces, /root or /home.
 */
final class Sandbox {

  static final String WORKSPACE = "/workspace";
  static final String HOME = "/home/candidate";
  static final String CODE_SERVER = "/opt/code-server";
  static final String USER_DATA = "/prequel/user-data";
  static final String EXTENSIONS = "/prequel/extensions";
  static final String CONFIG = "/prequel/code-server.yaml";
  static final String SOCKET_DIR = "/run/prequel";
  static final String SOCKET = SOCKET_DIR + "/code-server.sock";
  static final String PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final String TMP_BYTES = Long.toString(512L << 20);
  private static final String SHM_BYTES = Long.toString(64L << 20);

  // Joins the cgroups named before "--", then becomes the sandbox: the pid stays the same.
  private static final String JOIN_CGROUPS =
      "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 97; shift; done; shift; exec \"$@\"";

  private final Path bwrap;
  private final Path setpriv;
  private final Egress egress;

  Sandbox(Path bwrap, Path setpriv, Egress egress) {
    this.bwrap = bwrap;
    this.setpriv = setpriv;
    this.egress = egress;
  }

  /** A shell prefix that puts the process into these cgroups before it execs the rest. */
  static List<String> joinCgroups(List<Path> procsFiles) {
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", JOIN_CGROUPS, "prequel-join"));
    procsFiles.forEach(f -> command.add(f.toString()));
    command.add("--");
    return command;
  }

  /**
   * bwrap and setpriv around {@code program}, for this folder and user. With outbound {@code none}
   * the sandbox gets a network namespace of its own holding only loopback; code-server's socket
   * still works, as it is a file in a bound folder. With {@code egress} it joins the workspace's
   * own namespace, made by {@link Egress} with outbound NAT; never the host's.
   */
  List<String> wrap(
      InterviewFolder folder,
      WorkspaceUsers.User user,
      CodeServerInstall install,
      Outbound outbound,
      List<String> program) {
    List<String> c = new ArrayList<>();
    if (outbound == Outbound.EGRESS) {
      c.addAll(egress.enter(folder)); // its own namespace, NATed (Egress): never the host's
    }
    c.add(bwrap.toString());
    c.addAll(List.of("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"));
    c.add(outbound == Outbound.NONE ? "--unshare-net" : "--share-net");
    c.addAll(List.of("--hostname", "workspace", "--new-session"));
    c.addAll(List.of("--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"));
    for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
      Path path = Path.of(top);
      if (Files.isSymbolicLink(path)) {
        c.addAll(List.of("--symlink", readLink(path), top));
      } else if (Files.isDirectory(path)) {
        c.addAll(List.of("--ro-bind", top, top));
      }
    }
    c.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
    // Memory, not disk (and counted in the memory limit too), but bounded on their own: past
    // these a write fails with "No space left on device" instead of costing the workspace an OOM.
    c.addAll(List.of("--perms", "1777", "--size", SHM_BYTES, "--tmpfs", "/dev/shm"));
    c.addAll(List.of("--perms", "1777", "--size", TMP_BYTES, "--tmpfs", "/tmp"));
    for (String dir : List.of("/opt", "/home", "/run", "/prequel")) {
      c.addAll(List.of("--perms", "0755", "--dir", dir));
    }
    if (outbound == Outbound.EGRESS) {
      // Where the host's /etc/resolv.conf leads (systemd-resolved links it into /run, which is
      // the sandbox's own): binding over the link itself would land on a path the sandbox lacks.
      String resolver = resolvedLink(Path.of("/etc/resolv.conf")).toString();
      c.addAll(List.of("--ro-bind", egress.resolvConf().toString(), resolver));
    }
    Path nodeHome = nodeHome(install.node());
    if (!nodeHome.startsWith("/usr")) {
      c.addAll(List.of("--ro-bind", nodeHome.toString(), nodeHome.toString()));
    }
    c.addAll(List.of("--ro-bind", install.dir().toString(), CODE_SERVER));
    c.addAll(List.of("--bind", folder.workspace().toString(), WORKSPACE));
    c.addAll(List.of("--bind", folder.home().toString(), HOME));
    c.addAll(List.of("--bind", folder.userData().toString(), USER_DATA));
    c.addAll(List.of("--bind", folder.extensions().toString(), EXTENSIONS));
    c.addAll(CodeServerFiles.binds(folder));
    c.addAll(List.of("--ro-bind", folder.config().toString(), CONFIG));
    SocketSeal.current(folder)
        .ifPresent(dir -> c.addAll(List.of("--bind", dir.toString(), SOCKET_DIR)));
    c.addAll(List.of("--chdir", WORKSPACE, "--"));
    c.add(setpriv.toString());
    c.add("--reuid=" + user.uid());
    c.add("--regid=" + user.gid());
    c.addAll(List.of("--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"));
    c.addAll(program);
    return c;
  }

  /**
   * The environment inside, for every process started in a sandbox: a clean one ({@link
   * CleanEnvironment}: nothing of Prequel's but its LANG and TZ), the system's PATH (not
   * Prequel's), the sandbox's HOME and user.
   *
   * @return the builder's environment, for the caller to add its own
   */
  static Map<String, String> environment(
      ProcessBuilder builder, WorkspaceUsers.User user, Path node) {
    Map<String, String> env = CleanEnvironment.of(builder, "TZ");
    Path nodeBin = node.getParent();
    env.put("PATH", nodeBin.startsWith("/usr") ? PATH : nodeBin + ":" + PATH);
    env.put("HOME", HOME);
    env.put("USER", user.name());
    env.put("LOGNAME", user.name());
    return env;
  }

  /** The folder holding node's bin/ (e.g. /usr, or /opt/node-v20). */
  private static Path nodeHome(Path node) {
    try {
      Path real = node.toRealPath();
      return real.getParent().getParent();
    } catch (IOException e) {
      return node.getParent().getParent();
    }
  }

  /**
   * Where a chain of links ends, worked out from the links' text (the host's own /etc, never a
   * candidate's path): the file itself may not exist yet, as in /run inside the sandbox.
   */
  static Path resolvedLink(Path path) {
    Path at = path;
    for (int hops = 0; hops < 16 && Files.isSymbolicLink(at); hops++) {
      at = at.resolveSibling(readLink(at)).normalize();
    }
    return at;
  }

  private static String readLink(Path link) {
    try {
      return Files.readSymbolicLink(link).toString();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read link " + link, e);
    }
  }

  /**
   * Makes the folders the sandbox binds read-write, owned by its user. Only the folders themselves:
   * what is inside is the candidate's, and root never walks into it (a link planted there would
   * lead root's chown anywhere; issue 11, attack 2). They are entries of the root-owned interview
   * folder, so nobody but Prequel can have put a link in their place; they are still looked at
   * without following links.
   */
  static void prepare(InterviewFolder folder, WorkspaceUsers.User user) throws IOException {
    Files.createDirectories(folder.root());
    for (Path dir :
        List.of(folder.workspace(), folder.home(), folder.userData(), folder.extensions())) {
      boolean fresh;
      try {
        Files.createDirectory(dir);
        fresh = true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        fresh = false;
      }
      var attributes =
          Files.readAttributes(
              dir, java.nio.file.attribute.PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isDirectory()) {
        throw new IOException(dir + " is not a folder");
      }
      // Fresh, or (rarely) leased to another user since: the folder alone changes hands.
      if (fresh || !Integer.valueOf(user.uid()).equals(uidOf(dir))) {
        Ownership.chown(dir, user, false);
      }
    }
    // Only this workspace's user and Prequel (root) may look at the files.
    for (Path dir : List.of(folder.home(), folder.workspace())) {
      Files.getFileAttributeView(
              dir, java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setPermissions(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    }
  }

  private static Object uidOf(Path path) throws IOException {
    return Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
  }
}
