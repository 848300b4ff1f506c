package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pool of system users {@code prequel-ws-1}, {@code prequel-ws-2}, ... made on demand, one per
 * workspace. A workspace's folder holds its lease (the user's name), so the lease survives a
 * restart of Prequel and ends when destroy removes the folder.
 *
 * <p>The users are the machine's, and so may be the Prequels: two data folders on one machine
 * (staging beside production, two test runs) must never share a user, or one's destroy kills the
 * other's workspace. So each lease is also written to a registry of the machine ({@code
 * /var/lib/prequel/workspace-users/{user}}, holding the folder's path), under a file lock that
 * other Prequel processes respect. An entry counts while the folder it names still leases that
 * user; a removed folder frees it without any clean-up.
 */
final class WorkspaceUsers {

  static final String PREFIX = "prequel-ws-";

  /** The machine's registry of leases. */
  static final Path MACHINE_REGISTRY = Path.of("/var/lib/prequel/workspace-users");

  private static final Object JVM_WIDE = new Object();
  private static final int MAX_USERS = 10_000;
  private static final Path PASSWD = Path.of("/etc/passwd");

  /** A user's name and numeric ids. */
  record User(String name, int uid, int gid) {}

  private final Path workspacesDir;
  private final Path useradd;
  private final Path registry;
  private final int firstUser;

  WorkspaceUsers(Path workspacesDir, Path useradd) {
    this(workspacesDir, useradd, MACHINE_REGISTRY, 1);
  }

  /**
   * @param firstUser the number of the pool's first user; tests start far above the users that
   *     Prequels on this machine are running workspaces as, so those cannot change the outcome
   */
  WorkspaceUsers(Path workspacesDir, Path useradd, Path registry, int firstUser) {
    this.workspacesDir = workspacesDir;
    this.useradd = useradd;
    this.registry = registry;
    this.firstUser = firstUser;
  }

  /**
   * The folder's user: the one it already leases (unless another folder on this machine holds that
   * user now), or the first free one of the pool.
   */
  User lease(InterviewFolder folder) throws IOException, InterruptedException {
    // The file lock keeps other processes out; this JVM's other runtimes wait on the monitor (a
    // second lock on the file from one JVM would throw instead of waiting).
    synchronized (JVM_WIDE) {
      return leaseLocked(folder);
    }
  }

  private User leaseLocked(InterviewFolder folder) throws IOException, InterruptedException {
    Files.createDirectories(registry);
    Files.setPosixFilePermissions(registry, PosixFilePermissions.fromString("rwx------"));
    try (FileChannel lockFile =
            FileChannel.open(
                registry.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock machineWide = lockFile.lock()) {
      Optional<String> held = leaseOf(folder);
      if (held.isPresent()) {
        Optional<Path> holder = holderOf(held.get());
        if (holder.isEmpty() || holder.get().equals(folder.root())) {
          register(held.get(), folder);
          return ensure(held.get());
        }
        // Another data folder took this user while the workspace was stopped: take another one
        // (starting a workspace hands its files to its user anyway).
      }
      Set<String> taken = leased();
      for (int n = firstUser; n < firstUser + MAX_USERS; n++) {
        String name = PREFIX + n;
        // A user that still runs processes is not free, whatever the leases say.
        if (!taken.contains(name)
            && holderOf(name).isEmpty()
            && lookup(name).map(u -> ProcessTree.ownedBy(u.uid()).isEmpty()).orElse(true)) {
          User user = ensure(name);
          Files.createDirectories(folder.root());
          Files.writeString(folder.userLease(), name, StandardCharsets.UTF_8);
          register(name, folder);
          return user;
        }
      }
    }
    throw new IllegalStateException("all " + MAX_USERS + " workspace users are in use");
  }

  /** The folder that holds this user by the machine's registry, if it still leases it. */
  private Optional<Path> holderOf(String name) {
    try {
      Path folder =
          Path.of(Files.readString(registry.resolve(name), StandardCharsets.UTF_8).strip());
      return leaseOf(new InterviewFolder(folder)).filter(name::equals).map(n -> folder);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | java.nio.file.InvalidPathException e) {
      return Optional.empty(); // unreadable: as good as none
    }
  }

  private void register(String name, InterviewFolder folder) throws IOException {
    Path entry = registry.resolve(name);
    Path incoming = registry.resolve(name + ".incoming");
    Files.writeString(incoming, folder.root().toString(), StandardCharsets.UTF_8);
    Files.move(
        incoming, entry, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The user the folder leases, if any and if it still exists. */
  static Optional<User> of(InterviewFolder folder) {
    return leaseOf(folder).flatMap(WorkspaceUsers::lookup);
  }

  /** The user a provisioned workspace runs as; refused for a folder never provisioned. */
  static User provisioned(InterviewFolder folder) {
    return of(folder)
        .orElseThrow(
            () -> new IllegalStateException(folder.interviewId() + " was never provisioned"));
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
    return systemUser(useradd, name);
  }

  /**
   * The system user of this name (no home, no login shell), made when missing. Another Prequel on
   * this machine may make it at the same moment: a failed useradd still counts when the user
   * exists.
   */
  static User systemUser(Path useradd, String name) throws IOException, InterruptedException {
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
      return lookup(name).orElseThrow(() -> new IOException("useradd " + name + " failed: " + out));
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
