package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The portal's heap under the load issue 16 names: {@code n} interviews active and {@code k}
 * live-events clients, in a Prequel of its own limited to {@link #MAX_HEAP} (and stopped by an
 * OutOfMemoryError rather than limping on), with one status event after another going out to every
 * client meanwhile. What is live after a full GC is what the portal needs; that it ran within the
 * limit at all shows the limit holds.
 */
final class HeapBench {

  /** The heap the portal must stay within (issue 16 §5). */
  static final String MAX_HEAP = "256m";

  /**
   * @param usedAfterGcMib what a full GC left (the portal's live set)
   * @param peakUsedMib the most the heap held at any sample (garbage included)
   * @param latency the live events' latency meanwhile
   */
  record Result(
      int interviews,
      boolean active,
      int clients,
      double usedAfterGcMib,
      double peakUsedMib,
      LiveEventsBench.Latency latency,
      double loadAverage) {

    @Override
    public String toString() {
      return String.format(
          "%.0f MiB live after a full GC, %.0f MiB at most before one (-Xmx%s held); events to"
              + " the last client p99 %s (load average %.1f)",
          usedAfterGcMib,
          peakUsedMib,
          MAX_HEAP,
          Stats.ms(latency.toLastClient().p99()),
          loadAverage);
    }
  }

  private final Path jar;
  private final Path dataDir;
  private final Map<String, String> env;

  HeapBench(Path jar, Path dataDir, Map<String, String> env) {
    this.jar = jar;
    this.dataDir = dataDir;
    this.env = env;
  }

  /**
   * @param active whether the interviews start now (workspaces, proxy) or are only scheduled a day
   *     ahead (the portal's records alone: no code-server, for a machine busy with other work)
   */
  Result run(int n, int k, int events, boolean active) throws Exception {
    try (PrequelProcess p =
        PrequelProcess.start(
            jar,
            dataDir,
            freePort(),
            env,
            List.of("-Xmx" + MAX_HEAP, "-XX:+ExitOnOutOfMemoryError"))) {
      List<String> ids = new ArrayList<>();
      double[] peak = {0};
      try {
        if (active) {
          startInBatches(p, n, ids, peak);
        } else {
          Instant later = Instant.now().plus(Duration.ofDays(1));
          for (int i = 0; i < n; i++) {
            ids.add(BenchMain.create(p, "heap-" + i, later).get("id").asText());
          }
          for (String id : ids) {
            awaitStatus(p, id, "scheduled", Duration.ofMinutes(5), peak);
          }
        }
        JsonNode probe = BenchMain.create(p, "heap-probe", Instant.now().plus(Duration.ofDays(1)));
        ids.add(probe.get("id").asText());
        LiveEventsBench bench =
            new LiveEventsBench(
                p, probe.get("id").asText(), Instant.parse(probe.get("startsAt").asText()));
        double[] afterGc = {0};
        LiveEventsBench.Latency latency =
            bench.latency(
                k,
                events,
                () -> {
                  peak[0] = Math.max(peak[0], heapUsedMib(p));
                  afterGc[0] = usedAfterFullGcMib(p);
                });
        if (!p.process.isAlive()) {
          throw new IllegalStateException("the portal died (out of memory?): " + p.logTail(20));
        }
        return new Result(n, active, k, afterGc[0], peak[0], latency, loadAverage());
      } finally {
        for (String id : ids) {
          try {
            p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
          } catch (RuntimeException e) {
            // already ended
          }
        }
        for (String id : ids) {
          awaitEnded(p, id);
        }
      }
    }
  }

  /** Workspaces started at once, each batch active before the next: a busy day, not a stampede. */
  private static final int BATCH = 4;

  /**
   * Starts {@code n} interviews {@link #BATCH} at a time (60 code-servers starting together on 2
   * cores is no day's traffic, and one missed its start deadline), and has a candidate sign in
   * through the proxy and load the IDE's first page in each: the proxy then holds what it holds for
   * a workspace in use.
   */
  private static void startInBatches(PrequelProcess p, int n, List<String> ids, double[] peak)
      throws Exception {
    org.eclipse.jetty.client.HttpClient http = new org.eclipse.jetty.client.HttpClient();
    http.setFollowRedirects(false);
    http.start();
    try {
      for (int from = 0; from < n; from += BATCH) {
        Map<String, String> passwords = new LinkedHashMap<>();
        for (int i = from; i < Math.min(n, from + BATCH); i++) {
          JsonNode created = BenchMain.create(p, "heap-" + i, null);
          ids.add(created.get("id").asText());
          passwords.put(created.get("id").asText(), created.get("password").asText());
        }
        for (var e : passwords.entrySet()) {
          awaitStatus(p, e.getKey(), "active", Duration.ofMinutes(5), peak);
          String cookie = BenchMain.login(p, http, e.getKey(), e.getValue());
          BenchMain.firstPageMs(p, http, e.getKey(), cookie);
        }
      }
    } finally {
      http.stop();
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The 1-minute load average: how busy the machine was (other work shares its cores). */
  static double loadAverage() {
    try {
      return Double.parseDouble(
          java.nio.file.Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+", -1)[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static void awaitStatus(
      PrequelProcess p, String id, String status, Duration timeout, double[] peak)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String now = p.send("GET", "/api/v1/interviews/" + id, null).path("status").asText();
      if (now.equals(status)) {
        return;
      }
      if (now.equals("error") || now.equals("destroyed") || System.nanoTime() > deadline) {
        throw new IllegalStateException(id + " is " + now + ", not " + status);
      }
      peak[0] = Math.max(peak[0], heapUsedMib(p));
      Thread.sleep(250); // polling another process; a benchmark, not a test
    }
  }

  /** Destroyed once started, cancelled when it never was. */
  private static void awaitEnded(PrequelProcess p, String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      String now = p.send("GET", "/api/v1/interviews/" + id, null).path("status").asText();
      if (now.equals("destroyed") || now.equals("cancelled") || now.equals("error")) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(id + " is still " + now);
      }
      Thread.sleep(250); // polling another process; a benchmark, not a test
    }
  }

  private static double heapUsedMib(PrequelProcess p) {
    try {
      return PrequelProcess.JSON.readTree(p.get("/healthz").body()).path("heapUsedBytes").asDouble()
          / (1024 * 1024);
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static final Pattern USED = Pattern.compile("used (\\d+)K");

  /**
   * A full GC (what {@code System.gc()} does), then the heap's use as the JVM reports it: what is
   * left is what the portal holds on to.
   */
  static double usedAfterFullGcMib(PrequelProcess p) {
    jcmd(p, "GC.run");
    Matcher m = USED.matcher(jcmd(p, "GC.heap_info"));
    if (!m.find()) {
      return heapUsedMib(p);
    }
    return Long.parseLong(m.group(1)) / 1024.0;
  }

  private static String jcmd(PrequelProcess p, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process run =
          new ProcessBuilder(jcmd.toString(), Long.toString(p.process.pid()), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!run.waitFor(60, TimeUnit.SECONDS) || run.exitValue() != 0) {
        throw new IllegalStateException("jcmd " + command + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
