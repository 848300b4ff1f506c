package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pool of system users {@code prequel-ws-1}, {@code prequel-ws-2}, ... made on demand, one per
 * running workspace. A workspace's folder holds its lease (the user's name), so the lease survives
 * a restart of Prequel and ends when destroy removes the folder.
 */
final class WorkspaceUsers {

  static final String PREFIX = "prequel-ws-";
  private static final int MAX_USERS = 10_000;
  private static final Path PASSWD = Path.of("/etc/passwd");

  /** A user's name and numeric ids. */
  record User(String name, int uid, int gid) {}

  private final Path workspacesDir;
  private final Path useradd;

  WorkspaceUsers(Path workspacesDir, Path useradd) {
    this.workspacesDir = workspacesDir;
    this.useradd = useradd;
  }

  /** The folder's user: the one it already leases, or the first free one of the pool. */
  synchronized User lease(InterviewFolder folder) throws IOException, InterruptedException {
    Optional<String> held = leaseOf(folder);
    if (held.isPresent()) {
      return ensure(held.get());
    }
    Set<String> taken = leased();
    for (int n = 1; n <= MAX_USERS; n++) {
      String name = PREFIX + n;
      // A user that still runs processes is not free, whatever the folders say: another Prequel
      // on this machine (another data folder) may lease it, and its destroy would kill ours.
      if (!taken.contains(name)
          && lookup(name).map(u -> ProcessTree.ownedBy(u.uid()).isEmpty()).orElse(true)) {
        User user = ensure(name);
        Files.createDirectories(folder.root());
        Files.writeString(folder.userLease(), name, StandardCharsets.UTF_8);
        return user;
      }
    }
    throw new IllegalStateException("all " + MAX_USERS + " workspace users are in use");
  }

  /** The user the folder leases, if any and if it still exists. */
  static Optional<User> of(InterviewFolder folder) {
    return leaseOf(folder).flatMap(WorkspaceUsers::lookup);
  }

  private static Optional<String> leaseOf(InterviewFolder folder) {
    try {
      String name = Files.readString(folder.userLease(), StandardCharsets.UTF_8).strip();
      return name.startsWith(PREFIX) ? Optional.of(name) : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private Set<String> leased() throws IOException {
    Set<String> names = new HashSet<>();
    if (!Files.isDirectory(workspacesDir)) {
      return names;
    }
    try (Stream<Path> folders = Files.list(workspacesDir)) {
      for (Path path : folders.filter(Files::isDirectory).toList()) {
        leaseOf(new InterviewFolder(path)).ifPresent(names::add);
      }
    }
    return names;
  }

  private User ensure(String name) throws IOException, InterruptedException {
    Optional<User> existing = lookup(name);
    if (existing.isPresent()) {
      return existing.get();
    }
    Process p =
        new ProcessBuilder(
                useradd.toString(),
                "-M",
                "-r",
                "-s",
                "/usr/sbin/nologin",
                "-d",
                "/nonexistent",
                name)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("useradd " + name + " failed: " + out);
    }
    return lookup(name).orElseThrow(() -> new IOException("useradd made no user " + name));
  }

  static Optional<User> lookup(String name) {
    try {
      for (String line : Files.readAllLines(PASSWD)) {
        String[] f = line.split(":", -1);
        if (f.length >= 4 && f[0].equals(name)) {
          return Optional.of(new User(name, Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
