package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One cgroup v1 group per workspace in each of the memory, pids and cpu hierarchies, under {@code
 * prequel/}. A process joins by writing its pid to the {@code cgroup.procs} files {@link #create}
 * returns before it execs the sandbox; everything it starts stays inside.
 */
final class Cgroups {

  static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");
  private static final String PARENT = "prequel";
  private static final long CPU_PERIOD_US = 100_000;

  private final Path root;

  Cgroups(Path root) {
    this.root = root;
  }

  /**
   * Makes the workspace's groups with these limits; a group left by a workspace that no longer runs
   * is made afresh, so its counters (OOM kills) describe only the new one.
   */
  List<Path> create(String id, WorkspaceLimits limits) throws IOException {
    if (pids(id).isEmpty()) {
      remove(id);
    }
    return join(id, limits);
  }

  /**
   * The workspace's groups, made if missing, with these limits, for one more process (setup, a
   * command): never removed first. A process of a workspace that is starting may not have joined
   * yet; removing the groups under it made its start fail.
   */
  List<Path> join(String id, WorkspaceLimits limits) throws IOException {
    List<Path> procs = new ArrayList<>();
    for (String controller : CONTROLLERS) {
      Path dir = dir(controller, id);
      Files.createDirectories(dir);
      procs.add(dir.resolve("cgroup.procs"));
    }
    long bytes = limits.memoryMb() * 1024L * 1024L;
    write(dir("memory", id).resolve("memory.limit_in_bytes"), bytes);
    Path memsw = dir("memory", id).resolve("memory.memsw.limit_in_bytes");
    if (Files.exists(memsw)) {
      write(memsw, bytes); // no swapping past the limit either
    }
    write(dir("pids", id).resolve("pids.max"), limits.maxProcesses());
    write(dir("cpu", id).resolve("cpu.cfs_period_us"), CPU_PERIOD_US);
    write(dir("cpu", id).resolve("cpu.cfs_quota_us"), limits.milliCpus() * CPU_PERIOD_US / 1000);
    return procs;
  }

  /** Every process in any of the workspace's groups. */
  Set<Long> pids(String id) {
    Set<Long> pids = new LinkedHashSet<>();
    for (String controller : CONTROLLERS) {
      try {
        for (String line : Files.readAllLines(dir(controller, id).resolve("cgroup.procs"))) {
          if (!line.isBlank()) {
            pids.add(Long.parseLong(line.strip()));
          }
        }
      } catch (NoSuchFileException e) {
        // no such group
      } catch (IOException | NumberFormatException e) {
        // gone meanwhile
      }
    }
    return pids;
  }

  /** How many processes the kernel killed because the workspace hit its memory limit. */
  long oomKills(String id) {
    try {
      for (String line : Files.readAllLines(dir("memory", id).resolve("memory.oom_control"))) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring("oom_kill ".length()).strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /** The workspace's memory limit in MiB, while its group exists. */
  Optional<Long> memoryLimitMb(String id) {
    try {
      String v = Files.readString(dir("memory", id).resolve("memory.limit_in_bytes")).strip();
      return Optional.of(Long.parseLong(v) / (1024 * 1024));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Removes the workspace's groups; they must hold no process (stop those first). */
  void remove(String id) throws IOException {
    for (String controller : CONTROLLERS) {
      Path dir = dir(controller, id);
      // A killed process leaves its group a moment after it is gone from /proc.
      for (int attempt = 0; Files.isDirectory(dir); attempt++) {
        try {
          Files.delete(dir); // rmdir: the kernel's files inside do not count
        } catch (NoSuchFileException e) {
          break;
        } catch (IOException e) {
          if (attempt >= 40) {
            throw new IOException("cannot remove cgroup " + dir + ": " + e.getMessage(), e);
          }
          sleep();
        }
      }
    }
  }

  private Path dir(String controller, String id) {
    return root.resolve(controller).resolve(PARENT).resolve(id);
  }

  private static void write(Path file, long value) throws IOException {
    Files.writeString(file, Long.toString(value));
  }

  private static void sleep() throws IOException {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while removing a cgroup", e);
    }
  }
}
