package dev.prequel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time a process, or one of its threads (by the name the kernel shows, at most 15 characters),
 * has spent, from {@code /proc}: in clock ticks of 10 ms, so a figure is worth reading over many
 * events.
 */
final class ThreadCpu {

  private static final double MS_PER_TICK = 10;

  private ThreadCpu() {}

  static double processMs(long pid) {
    return ticks(Path.of("/proc", Long.toString(pid), "stat")) * MS_PER_TICK;
  }

  /** The CPU of the process's threads with this name, summed; 0 when it has none. */
  static double threadMs(long pid, String name) {
    double ms = 0;
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        if (comm(task).equals(name)) {
          ms += ticks(task.resolve("stat")) * MS_PER_TICK;
        }
      }
    } catch (IOException e) {
      return 0; // gone
    }
    return ms;
  }

  private static String comm(Path task) {
    try {
      return Files.readString(task.resolve("comm")).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** utime + stime: fields 14 and 15, counted after the command name's closing parenthesis. */
  private static long ticks(Path stat) {
    try {
      String s = Files.readString(stat);
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ", -1);
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
