package dev.prequel.challenge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Runs the host's programs named by a manifest as {@code nobody} when Prequel is root: setpriv with
 * no capabilities (bounding and inheritable sets emptied), no supplementary groups and
 * no_new_privs, so a setuid program cannot take root back either.
 */
final class Unprivileged {

  private static final Path PASSWD = Path.of("/etc/passwd");

  private Unprivileged() {}

  /**
   * The command prefix: empty when Prequel is not root (it then runs as its own unprivileged user);
   * as root, setpriv to nobody; empty Optional when root has no way to drop its privileges (then
   * nothing may run).
   */
  static Optional<List<String>> prefix() {
    if (!isRoot()) {
      return Optional.of(List.of());
    }
    Optional<int[]> nobody = ids("nobody");
    Optional<Path> setpriv =
        List.of("/usr/bin/setpriv", "/bin/setpriv").stream()
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst();
    if (nobody.isEmpty() || setpriv.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        List.of(
            setpriv.get().toString(),
            "--reuid=" + nobody.get()[0],
            "--regid=" + nobody.get()[1],
            "--clear-groups",
            "--no-new-privs",
            "--bounding-set=-all",
            "--inh-caps=-all",
            "--"));
  }

  private static Optional<int[]> ids(String user) {
    try {
      for (String line : Files.readAllLines(PASSWD)) {
        String[] f = line.split(":", -1);
        if (f.length >= 4 && f[0].equals(user)) {
          return Optional.of(new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])});
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static boolean isRoot() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return line.split("\\s+", -1)[2].equals("0"); // the effective uid
        }
      }
    } catch (IOException e) {
      return true; // unknown: assume the worst
    }
    return true;
  }
}
