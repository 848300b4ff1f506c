package dev.prequel.bench;

import java.io.IOException;
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

  /** Each path's mean result, in the order given. */
  static Map<String, HttpLoad.Result> measure(
      Map<String, HttpLoad> paths, Duration each, int rounds) throws IOException {
    for (HttpLoad load : paths.values()) {
      load.run(WARM_UP);
    }
    Map<String, List<HttpLoad.Result>> runs = new LinkedHashMap<>();
    List<String> order = new ArrayList<>(paths.keySet());
    for (int round = 0; round < rounds; round++) {
      for (String name : order) {
        runs.computeIfAbsent(name, k -> new ArrayList<>()).add(paths.get(name).run(each));
      }
      Collections.reverse(order);
    }
    Map<String, HttpLoad.Result> mean = new LinkedHashMap<>();
    for (String name : paths.keySet()) {
      List<HttpLoad.Result> rs = runs.get(name);
      mean.put(
          name,
          new HttpLoad.Result(
              rs.stream().mapToDouble(HttpLoad.Result::requestsPerSecond).average().orElseThrow(),
              rs.stream().mapToDouble(HttpLoad.Result::p50).average().orElseThrow(),
              rs.stream().mapToDouble(HttpLoad.Result::p99).average().orElseThrow(),
              rs.stream().mapToLong(HttpLoad.Result::errors).sum(),
              rs.stream().mapToLong(HttpLoad.Result::reconnects).sum()));
    }
    return mean;
  }
}
