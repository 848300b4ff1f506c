package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Finds and stops a workspace's processes: the root, its descendants, and any process that carries
 * the workspace's marker in its environment. The marker catches what the candidate left running in
 * the background from a terminal: when its shell exits, such a process is re-parented and no longer
 * a descendant of the root.
 */
final class ProcessTree {

  /**
   * Environment variable that every process of a workspace inherits; its value names the workspace.
   */
  static final String MARKER = "PREQUEL_WORKSPACE";

  private static final Path PROC = Path.of("/proc");

  private ProcessTree() {}

  /**
   * The live process with this pid, if it is the one that started at {@code start} (pids get
   * reused).
   */
  static Optional<ProcessHandle> live(long pid, Instant start) {
    return ProcessHandle.of(pid)
        .filter(ProcessTree::isRunning)
        // No start time readable (the process is between two execs): not a reason to disown it.
        .filter(p -> p.info().startInstant().map(s -> sameStart(s, start)).orElse(true));
  }

  // Start instants come from /proc in clock ticks; allow for rounding by another JVM.
  private static boolean sameStart(Instant a, Instant b) {
    return Duration.between(a, b).abs().compareTo(Duration.ofSeconds(1)) < 0;
  }

  /**
   * Alive and not a zombie. Java counts a zombie as alive, and a killed orphan stays one until PID
   * 1 reaps it (seconds, on some machines).
   */
  static boolean isRunning(ProcessHandle process) {
    if (!process.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(process.pid())).resolve("stat"));
      // "pid (comm) STATE ...": comm may hold spaces and parentheses, so read after the last ')'.
      String afterComm = stat.substring(stat.lastIndexOf(')') + 1).trim();
      return !afterComm.startsWith("Z") && !afterComm.startsWith("X");
    } catch (IOException | RuntimeException e) {
      return process.isAlive();
    }
  }

  /** The command line of a process (from /proc, falling back to what the JVM reports). */
  static String commandLine(ProcessHandle process) {
    try {
      return new String(
              Files.readAllBytes(PROC.resolve(Long.toString(process.pid())).resolve("cmdline")),
              StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return process.info().commandLine().orElse("");
    }
  }

  /**
   * Sends TERM to every process of the workspace, waits up to {@code grace} for them to exit, then
   * KILLs the survivors. Returns how many processes it signalled.
   */
  static int stop(Optional<ProcessHandle> root, String marker, Duration grace)
      throws InterruptedException {
    return stop(root, marker, Set::of, grace);
  }

  /**
   * As {@link #stop(Optional, String, Duration)}, also stopping the processes {@code others} names
   * (a sandbox's cgroup members and its user's processes, which may have dropped the marker).
   */
  static int stop(
      Optional<ProcessHandle> root, String marker, Supplier<Set<Long>> others, Duration grace)
      throws InterruptedException {
    Map<Long, ProcessHandle> all = collect(root, marker, others);
    // Collect before signalling: once a parent exits, its children are no longer its descendants.
    all.values().forEach(ProcessHandle::destroy);
    if (!awaitExit(all.values(), grace)) {
      Map<Long, ProcessHandle> survivors = collect(root, marker, others);
      all.values().stream()
          .filter(ProcessTree::isRunning)
          .forEach(p -> survivors.putIfAbsent(p.pid(), p));
      survivors.values().forEach(ProcessHandle::destroyForcibly);
      awaitExit(survivors.values(), Duration.ofSeconds(5));
      all.putAll(survivors);
    }
    return all.size();
  }

  private static Map<Long, ProcessHandle> collect(
      Optional<ProcessHandle> root, String marker, Supplier<Set<Long>> others) {
    Map<Long, ProcessHandle> found = new LinkedHashMap<>();
    root.filter(ProcessTree::isRunning)
        .ifPresent(
            r -> {
              found.put(r.pid(), r);
              r.descendants().filter(ProcessTree::isRunning).forEach(d -> found.put(d.pid(), d));
            });
    for (ProcessHandle p : withMarker(marker)) {
      found.putIfAbsent(p.pid(), p);
    }
    long self = ProcessHandle.current().pid();
    for (long pid : others.get()) {
      if (pid != self) {
        ProcessHandle.of(pid)
            .filter(ProcessTree::isRunning)
            .ifPresent(p -> found.putIfAbsent(pid, p));
      }
    }
    return found;
  }

  /** Pids of live processes whose real or effective uid is {@code uid}. */
  static Set<Long> ownedBy(int uid) {
    Set<Long> found = new java.util.LinkedHashSet<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path entry : entries) {
        try {
          for (String line : Files.readAllLines(entry.resolve("status"))) {
            if (line.startsWith("Uid:")) {
              String[] ids = line.substring(4).trim().split("\\s+", -1);
              if (Integer.parseInt(ids[0]) == uid || Integer.parseInt(ids[1]) == uid) {
                found.add(Long.parseLong(entry.getFileName().toString()));
              }
              break;
            }
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      // No /proc (not Linux)
    }
    return found;
  }

  /**
   * Live processes whose environment holds {@code MARKER=value}; none where /proc is not readable.
   */
  static List<ProcessHandle> withMarker(String value) {
    byte[] needle = ("\0" + MARKER + "=" + value + "\0").getBytes(StandardCharsets.UTF_8);
    long self = ProcessHandle.current().pid();
    List<ProcessHandle> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path entry : entries) {
        long pid = Long.parseLong(entry.getFileName().toString());
        if (pid != self && environContains(entry.resolve("environ"), needle)) {
          ProcessHandle.of(pid).filter(ProcessTree::isRunning).ifPresent(found::add);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // No /proc (not Linux): the descendants of the root are all we can find.
    }
    return found;
  }

  private static boolean environContains(Path environ, byte[] needle) {
    byte[] env;
    try {
      env = Files.readAllBytes(environ);
    } catch (IOException | SecurityException e) {
      return false; // gone meanwhile, or another user's process
    }
    // Prefix a NUL so that the first variable matches like every other one.
    byte[] haystack = new byte[env.length + 2];
    System.arraycopy(env, 0, haystack, 1, env.length);
    return indexOf(haystack, needle) >= 0;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // Polls rather than using onExit(): for a process that is not our child, onExit() waits until a
  // zombie is reaped.
  private static boolean awaitExit(Iterable<ProcessHandle> processes, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean anyRunning = false;
      for (ProcessHandle p : processes) {
        anyRunning |= isRunning(p);
      }
      if (!anyRunning) {
        return true;
      }
      if (System.nanoTime() - deadline >= 0) {
        return false;
      }
      Thread.sleep(50);
    }
  }

  /** A process's resident memory (VmRSS), or 0 when it is gone. */
  static long residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process ended meanwhile
    }
    return 0;
  }
}
