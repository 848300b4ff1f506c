package dev.prequel.runtime.local;

import dev.prequel.runtime.CleanEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who runs npm on the host to fill Prequel's package cache: never root with Prequel's environment
 * (a challenge's lockfile, written by whoever uploaded it, decides what npm fetches). As root, a
 * system user of its own, {@value #NAME} (made on first use), through setpriv with no capabilities,
 * no groups and no_new_privs, in a bubblewrap sandbox; otherwise Prequel's own user. Either way an
 * environment of PATH, HOME (a folder of that user's), LANG and npm's settings only: Prequel's
 * secret key, S3 keys and admin password stay out.
 */
final class NpmUser {

  static final String NAME = "prequel-npm";
  private static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

  private final Optional<WorkspaceUsers.User> user;
  private final Path setpriv;
  private final Path home;

  private NpmUser(Optional<WorkspaceUsers.User> user, Path setpriv, Path home) {
    this.user = user;
    this.setpriv = setpriv;
    this.home = home;
  }

  /**
   * The npm user for a cache whose HOME is {@code home}; as root the user is made when missing, and
   * {@code cache} and {@code home} are handed to it (links are not followed).
   */
  static NpmUser forCache(Path cache, Path home) throws IOException, InterruptedException {
    Files.createDirectories(cache);
    Files.createDirectories(home);
    if (!isRoot()) {
      return new NpmUser(Optional.empty(), null, home);
    }
    Path setpriv =
        Isolation.find("setpriv")
            .orElseThrow(
                () -> new IOException("setpriv is missing (apt-get install -y util-linux)"));
    WorkspaceUsers.User npm = ensure();
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
    // Caches filled by root before this user existed become its own (once: the owner says so).
    for (Path dir : List.of(cache, home)) {
      if (!Integer.valueOf(npm.uid())
          .equals(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
        Ownership.chown(dir, npm, true);
      }
    }
    return new NpmUser(Optional.of(npm), setpriv, home);
  }

  /** Hands a folder Prequel prepared (as root) to the npm user before npm runs in it. */
  void own(Path folder) throws IOException {
    if (user.isPresent()) {
      Ownership.chown(folder, user.get(), true);
    }
  }

  /**
   * {@code npm args…} as this user, in {@code folder}, with only npm's environment. As root, inside
   * a bubblewrap sandbox that shows it the system's /usr and /etc, node, the cache, its HOME and
   * the folder, nothing else of the host: Prequel's data folder is 0700, and npm has no business
   * elsewhere. (The host's network: npm downloads.)
   */
  ProcessBuilder npm(Path folder, Path cache, List<String> args) throws IOException {
    Path npm =
        Isolation.find("npm")
            .orElseThrow(() -> new IOException("npm is missing (apt-get install -y npm)"));
    Path nodeBin = npm.getParent(); // node is beside npm (/usr/bin, /opt/node-v20/bin)
    List<String> command = new ArrayList<>();
    Path work = folder;
    Path cacheSeen = cache;
    Path homeSeen = home;
    if (user.isPresent()) {
      WorkspaceUsers.User u = user.get();
      Path bwrap =
          Isolation.find("bwrap")
              .orElseThrow(
                  () -> new IOException("bubblewrap is missing: " + Isolation.INSTALL_BUBBLEWRAP));
      work = Path.of("/npm/work");
      cacheSeen = Path.of("/npm/cache");
      homeSeen = Path.of("/npm/home");
      command.addAll(
          List.of(
              bwrap.toString(),
              "--unshare-pid",
              "--unshare-ipc",
              "--unshare-uts",
              "--unshare-cgroup-try",
              "--share-net",
              "--die-with-parent",
              "--new-session",
              "--ro-bind",
              "/usr",
              "/usr",
              "--ro-bind",
              "/etc",
              "/etc"));
      for (String top : List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")) {
        Path path = Path.of(top);
        if (Files.isSymbolicLink(path)) {
          command.addAll(List.of("--symlink", Files.readSymbolicLink(path).toString(), top));
        } else if (Files.isDirectory(path)) {
          command.addAll(List.of("--ro-bind", top, top));
        }
      }
      Path nodeHome = nodeBin.getParent();
      if (!nodeHome.startsWith("/usr")) {
        command.addAll(List.of("--ro-bind", nodeHome.toString(), nodeHome.toString()));
      }
      command.addAll(
          List.of(
              "--proc",
              "/proc",
              "--dev",
              "/dev",
              "--tmpfs",
              "/tmp",
              "--perms", // else 0700: npm's user could not get into its folders
              "0755",
              "--dir",
              "/npm",
              "--bind",
              cache.toString(),
              cacheSeen.toString(),
              "--bind",
              home.toString(),
              homeSeen.toString(),
              "--bind",
              folder.toString(),
              work.toString(),
              "--chdir",
              work.toString(),
              "--",
              setpriv.toString(),
              "--reuid=" + u.uid(),
              "--regid=" + u.gid(),
              "--clear-groups",
              "--no-new-privs",
              "--bounding-set=-all",
              "--inh-caps=-all",
              "--"));
    }
    command.add(npm.toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile());
    Map<String, String> env = CleanEnvironment.of(builder);
    env.put("PATH", nodeBin + ":" + SYSTEM_PATH); // npm is a node script: node's folder first
    env.put("HOME", homeSeen.toString());
    env.put("npm_config_cache", cacheSeen.toString());
    env.put("npm_config_update_notifier", "false");
    env.put("npm_config_ignore_scripts", "true");
    env.put("CI", "true");
    return builder;
  }

  private static WorkspaceUsers.User ensure() throws IOException, InterruptedException {
    Path useradd =
        Isolation.find("useradd")
            .orElseThrow(() -> new IOException("useradd is missing (apt-get install -y passwd)"));
    return WorkspaceUsers.systemUser(useradd, NAME);
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+", -1)[2].equals("0");
        }
      }
    } catch (IOException e) {
      return true;
    }
    return true;
  }
}
