package dev.prequel.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same load through several paths to one backend. On a shared machine the load of others drifts
 * during a run, so each path is warmed first (the JIT of a Java proxy, code-server's file cache)
 * and measured in rounds whose order alternates; a path's figure is the mean of its rounds.
 */
final class ProxyComparison {

  private static final Duration WARM_UP = Duration.ofSeconds(2);

  /** A Java proxy keeps being warmed in windows this long until its JIT compiler is quiet. */
  private static final Duration SETTLE_WINDOW = Duration.ofSeconds(4);

  private ProxyComparison() {}

  /**
   * A path's mean over its rounds, the CPU its proxy process spent per request, how long it was
   * warmed beyond every path's 2 s, the backend's CPU and preemptions per request behind it, and
   * each round's requests/s (for ratios taken round by round).
   */
  record PathResult(
      HttpLoad.Result load,
      double proxyCpuMsPerRequest,
      long warmedForSeconds,
      double backendCpuMsPerRequest,
      double backendPreemptionsPerRequest,
      List<Double> roundRequestsPerSecond) {

    /**
     * This path's requests/s over another's, round by round (the two measured within seconds of
     * each other): the mean, and the half-width of its 95 % interval (Student's t).
     */
    double[] ratioTo(PathResult other) {
      int n = Math.min(roundRequestsPerSecond.size(), other.roundRequestsPerSecond.size());
      double[] r = new double[n];
      for (int i = 0; i < n; i++) {
        r[i] = roundRequestsPerSecond.get(i) / other.roundRequestsPerSecond.get(i);
      }
      double mean = java.util.Arrays.stream(r).average().orElse(Double.NaN);
      if (n < 2) {
        return new double[] {mean, Double.NaN};
      }
      double var = java.util.Arrays.stream(r).map(x -> (x - mean) * (x - mean)).sum() / (n - 1);
      return new double[] {mean, T95[Math.min(n - 1, T95.length - 1)] * Math.sqrt(var / n)};
    }
  }

  /** Student's t for a two-sided 95 % interval, by degrees of freedom (1-10; more: 10's). */
  private static final double[] T95 = {
    Double.NaN, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23
  };

  /**
   * The backend's CPU ticks and the times its threads were preempted (switched out while they could
   * still run), both so far: a proxy that takes CPU on the backend's cores shows in both per
   * request.
   */
  record Backend(LongSupplier cpuTicks, LongSupplier preemptions) {}

  /**
   * The process whose CPU a path's row reports. nginx's master forks its worker, so its children
   * count; the portal's children are the workspaces' code-servers, whose CPU is the backend's work
   * (the same in every row), so they do not.
   */
  record Proxy(long pid, boolean withDescendants, boolean jit) {
    long cpuTicks() {
      return withDescendants ? ProxyComparison.cpuTicks(pid) : ticksOf(pid);
    }
  }

  /**
   * Each path's mean result, in the order given.
   *
   * @param proxies the process between client and backend, per path; its CPU time per request is a
   *     figure the other load on a shared machine barely moves
   * @param settleAtMost how long a JIT-compiled proxy may be warmed, at most, before it is measured
   * @param backend the backend's CPU and preemptions so far: whether a proxy makes the backend
   *     itself work harder per request shows in each round's log line and in the result
   */
  static Map<String, PathResult> measure(
      Map<String, HttpLoad> paths,
      Map<String, Proxy> proxies,
      Duration each,
      int rounds,
      Duration settleAtMost,
      Backend backend)
      throws IOException {
    Map<String, Duration> warmed = new LinkedHashMap<>();
    for (Map.Entry<String, HttpLoad> path : paths.entrySet()) {
      path.getValue().run(WARM_UP);
      Proxy proxy = proxies.get(path.getKey());
      Duration took = Duration.ZERO;
      if (proxy != null && proxy.jit()) {
        long start = System.nanoTime();
        settle(path.getKey(), path.getValue(), proxy, settleAtMost);
        took = Duration.ofNanos(System.nanoTime() - start);
      }
      warmed.put(path.getKey(), took);
    }
    Map<String, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
    Map<String, long[]> cpu = new LinkedHashMap<>(); // ticks, requests, backend ticks, preemptions
    List<String> order = new ArrayList<>(paths.keySet());
    for (int round = 0; round < rounds; round++) {
      for (String name : order) {
        Proxy proxy = proxies.get(name);
        long before = proxy == null ? 0 : proxy.cpuTicks();
        long backendBefore = backend.cpuTicks().getAsLong();
        long preemptedBefore = backend.preemptions().getAsLong();
        long jitBefore = proxy != null && proxy.jit() ? jitTicks(proxy.pid()) : 0;
        Instant from = Instant.now();
        HttpLoad.Result r = paths.get(name).run(each);
        long after = proxy == null ? 0 : proxy.cpuTicks();
        long jit = proxy != null && proxy.jit() ? jitTicks(proxy.pid()) - jitBefore : 0;
        long backendTicks = backend.cpuTicks().getAsLong() - backendBefore;
        long preempted = backend.preemptions().getAsLong() - preemptedBefore;
        runs.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        long[] c = cpu.computeIfAbsent(name, k -> new long[4]);
        long requests = Math.round(r.requestsPerSecond() * each.toNanos() / 1e9);
        c[0] += after - before;
        c[1] += requests;
        c[2] += backendTicks;
        c[3] += preempted;
        // Each round with its wall-clock window, so a profile of the proxy can be cut to the
        // seconds it was measured, and a drift between rounds (the JIT, others' load) shows.
        System.err.printf(
            Locale.ROOT,
            "bench: proxy round %d, %s from %s until %s: %.0f req/s, p99 %.2f ms, CPU %.3f"
                + " ms/request (JIT %d %%), backend CPU %.3f ms/request, backend preempted %.2f"
                + " times/request%n",
            round + 1,
            name,
            from,
            Instant.now(),
            r.requestsPerSecond(),
            r.p99(),
            requests == 0 ? Double.NaN : (after - before) * TICK_MS / requests,
            after == before ? 0 : 100 * jit / (after - before),
            requests == 0 ? Double.NaN : backendTicks * TICK_MS / requests,
            requests == 0 ? Double.NaN : (double) preempted / requests);
      }
      // Each path takes every place in the order in turn: code-server's own cost drifts within
      // a round too, and a path always measured in the middle would never meet its extremes.
      Collections.rotate(order, -1);
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
      mean.put(
          name,
          new PathResult(
              m,
              c[1] == 0 ? Double.NaN : c[0] * TICK_MS / c[1],
              warmed.get(name).toSeconds(),
              c[1] == 0 ? Double.NaN : c[2] * TICK_MS / c[1],
              c[1] == 0 ? Double.NaN : (double) c[3] / c[1],
              rs.stream().map(HttpLoad.Result::requestsPerSecond).toList()));
    }
    return mean;
  }

  /**
   * Loads a JIT-compiled proxy until its JIT compiler threads are nearly idle: two windows in a row
   * in which they took under a tenth of the process's CPU, or {@code atMost}. A JVM's C2 compiler
   * works through the proxy's paths for a minute or more after start, on the same two cores as
   * everything else; a portal runs for days, so its steady state is what a candidate meets.
   */
  private static void settle(String name, HttpLoad load, Proxy proxy, Duration atMost)
      throws IOException {
    long deadline = System.nanoTime() + atMost.toNanos();
    int quiet = 0;
    while (quiet < 2 && System.nanoTime() < deadline) {
      long before = proxy.cpuTicks();
      long jitBefore = jitTicks(proxy.pid());
      HttpLoad.Result r = load.run(SETTLE_WINDOW);
      long ticks = proxy.cpuTicks() - before;
      long jit = jitTicks(proxy.pid()) - jitBefore;
      long requests = Math.round(r.requestsPerSecond() * SETTLE_WINDOW.toNanos() / 1e9);
      System.err.printf(
          Locale.ROOT,
          "bench: proxy warm-up, %s until %s: %.0f req/s, CPU %.3f ms/request, %d %% of it the"
              + " JIT%n",
          name,
          Instant.now(),
          r.requestsPerSecond(),
          requests == 0 ? Double.NaN : ticks * TICK_MS / requests,
          ticks == 0 ? 0 : 100 * jit / ticks);
      quiet = jit * 10 < ticks ? quiet + 1 : 0;
    }
  }

  /**
   * CPU ticks of a JVM's JIT compiler threads so far. HotSpot may retire compiler threads it no
   * longer needs, taking their ticks along, but keeps one of each kind; a window that loses some
   * only looks quieter than it was, and the next window tells.
   */
  static long jitTicks(long pid) {
    long total = 0;
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc", "" + pid, "task"))) {
      for (Path task : tasks) {
        try {
          // "C1 CompilerThre", "C2 CompilerThre": names are cut to 15 characters
          if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
            total += ticksIn(Files.readString(task.resolve("stat")));
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0; // the process is gone
    }
    return total;
  }

  /** Linux's clock ticks are 100 a second (USER_HZ) on every architecture it runs on. */
  private static final double TICK_MS = 10.0;

  /**
   * Times the threads of a process's descendants were switched out while they could still run
   * ({@code nonvoluntary_ctxt_switches}), so far.
   */
  static long descendantsPreempted(long pid) {
    long total = 0;
    for (ProcessHandle child :
        ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
      try (DirectoryStream<Path> tasks =
          Files.newDirectoryStream(Path.of("/proc", "" + child.pid(), "task"))) {
        for (Path task : tasks) {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("nonvoluntary_ctxt_switches:")) {
              total += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // the process or a thread ended meanwhile
      }
    }
    return total;
  }

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
      return ticksIn(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return 0; // gone
    }
  }

  /** User and system ticks in a {@code /proc/…/stat} line. */
  private static long ticksIn(String stat) {
    // after the command's name, which may hold spaces, in parentheses
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1);
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
  }
}
