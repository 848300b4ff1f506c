package dev.prequel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same load through several paths to one backend. On a shared machine the load of others drifts
 * during a run, so each path is warmed first (the JIT of a Java proxy, code-server's file cache)
 * and measured in rounds whose order alternates; a path's figure is the mean of its rounds.
 */
final class ProxyComparison {

  private static final Duration WARM_UP = Duration.ofSeconds(2);

  private ProxyComparison() {}

  /** A path's mean over its rounds, and the CPU its proxy process spent per request. */
  record PathResult(HttpLoad.Result load, double proxyCpuMsPerRequest) {}

  /**
   * Each path's mean result, in the order given.
   *
   * @param proxyPids the process (with its children) between client and backend, per path; its CPU
   *     time per request is a figure the other load on a shared machine barely moves
   */
  static Map<String, PathResult> measure(
      Map<String, HttpLoad> paths, Map<String, Long> proxyPids, Duration each, int rounds)
      throws IOException {
    for (HttpLoad load : paths.values()) {
      load.run(WARM_UP);
    }
    Map<String, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
    Map<String, long[]> cpu = new LinkedHashMap<>(); // ticks, requests
    List<String> order = new ArrayList<>(paths.keySet());
    for (int round = 0; round < rounds; round++) {
      for (String name : order) {
        Long pid = proxyPids.get(name);
        long before = pid == null ? 0 : cpuTicks(pid);
        HttpLoad.Result r = paths.get(name).run(each);
        long after = pid == null ? 0 : cpuTicks(pid);
        runs.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        long[] c = cpu.computeIfAbsent(name, k -> new long[2]);
        c[0] += after - before;
        c[1] += Math.round(r.requestsPerSecond() * each.toNanos() / 1e9);
      }
      Collections.reverse(order);
    }
    Map<String, PathResult> mean = new LinkedHashMap<>();
    for (String name : paths.keySet()) {
      List<HttpLoad.Result> rs = runs.get(name);
      long[] c = cpu.get(name);
      HttpLoad.Result m =
          new HttpLoad.Result(
              rs.stream().mapToDouble(HttpLoad.Result::requestsPerSecond).average().orElseThrow(),
              rs.stream().mapToDouble(HttpLoad.Result::p50).average().orElseThrow(),
              rs.stream().mapToDouble(HttpLoad.Result::p99).average().orElseThrow(),
              rs.stream().mapToLong(HttpLoad.Result::errors).sum(),
              rs.stream().mapToLong(HttpLoad.Result::reconnects).sum());
      mean.put(name, new PathResult(m, c[1] == 0 ? Double.NaN : c[0] * TICK_MS / c[1]));
    }
    return mean;
  }

  /** Linux's clock ticks are 100 a second (USER_HZ) on every architecture it runs on. */
  private static final double TICK_MS = 10.0;

  /** User and system CPU of a process and its descendants so far, in clock ticks. */
  static long cpuTicks(long pid) {
    long total = ticksOf(pid);
    for (ProcessHandle child :
        ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
      total += ticksOf(child.pid());
    }
    return total;
  }

  private static long ticksOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // after the command's name, which may hold spaces, in parentheses
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    } catch (IOException | RuntimeException e) {
      return 0; // gone
    }
  }
}
