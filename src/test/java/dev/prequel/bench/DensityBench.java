package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.prequel.testing.Browser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Density to the limit: interviews are created one after another and all kept running, until create
 * → active (p95 of the last 5) passes its limit, memory runs short, Prequel's open files near their
 * limit, a workspace fails to start, or the cap is reached. Optionally one real browser (headless
 * Chromium, the workbench open) per 10 interviews, as candidates would. After each create it
 * samples what could run out: memory, CPU, file descriptors, cgroups; the stop reason is what hit
 * first, and the last sample shows how close the others were.
 */
final class DensityBench {

  /** What one pass found. */
  record Result(
      int concurrentInterviews,
      String stoppedBy,
      Stats createToActiveMs,
      int browsers,
      double workspacesRssTotalMib,
      Sample atTheEnd,
      List<Sample> samples) {}

  /** The machine after one more interview. */
  record Sample(
      int interviews,
      double createToActiveMs,
      double memAvailableMib,
      double cpuBusyPercent,
      double loadAverage,
      long prequelOpenFiles,
      long prequelMaxOpenFiles,
      long machineOpenFiles,
      long prequelCgroups) {

    @Override
    public String toString() {
      return String.format(
          "memory available %.1f GiB, CPU busy %.0f %% during the last create, load average"
              + " %.1f, Prequel's open files %d of %d, machine's open files %d, prequel/ memory"
              + " cgroups %d (machine-wide)",
          memAvailableMib / 1024,
          cpuBusyPercent,
          loadAverage,
          prequelOpenFiles,
          prequelMaxOpenFiles,
          machineOpenFiles,
          prequelCgroups);
    }
  }

  private static final Pattern SPACES = Pattern.compile("\\s+");

  private final PrequelProcess p;
  private final LiveEvents live;
  private final BenchRuntime runtime;
  private final double limitMs;
  private final double minMemAvailableMib;

  DensityBench(PrequelProcess p, LiveEvents live, BenchRuntime runtime, double limitMs) {
    this.p = p;
    this.live = live;
    this.runtime = runtime;
    this.limitMs = limitMs;
    // Short of memory: what the kernel could still give is under 1 GiB or 5 % of the machine.
    this.minMemAvailableMib = Math.max(1024, meminfo("MemTotal:") * 0.05);
  }

  /**
   * Creates interviews until a limit; returns what was found and the ids (still running: the caller
   * destroys them).
   *
   * @param browserEvery open one browser on every {@code browserEvery}-th interview (0: none)
   */
  Result run(String prefix, int max, int browserEvery, List<String> ids) throws Exception {
    List<Double> times = new ArrayList<>();
    List<Sample> samples = new ArrayList<>();
    String stoppedBy = "the cap of " + max;
    int browsers = 0;
    try (Browser browser = browserEvery > 0 ? new Browser() : null) {
      BrowserContext ctx = browser != null ? browser.newContext() : null;
      while (ids.size() < max) {
        if (meminfo("MemAvailable:") < minMemAvailableMib) {
          stoppedBy = String.format("memory (under %.1f GiB available)", minMemAvailableMib / 1024);
          break;
        }
        long[] cpuBefore = cpuTicks();
        Instant t0 = Instant.now();
        JsonNode created = BenchMain.create(p, prefix + "-" + ids.size(), null);
        String id = created.get("id").asText();
        LiveEvents.Arrival arrival = activeOrError(id);
        if (!arrival.body().path("status").asText().equals("active")) {
          JsonNode failed = p.send("GET", "/api/v1/interviews/" + id, null);
          stoppedBy = "a workspace that failed to start: " + failed.path("errorReason").asText();
          ids.add(id);
          break;
        }
        double ms = Duration.between(t0, arrival.arrived()).toNanos() / 1e6;
        times.add(ms);
        ids.add(id);
        if (ctx != null && (ids.size() - 1) % browserEvery == 0) {
          openWorkbench(ctx, created);
          browsers++;
        }
        Sample s = sample(ids.size(), ms, cpuBefore);
        samples.add(s);
        System.out.printf(
            "density %s: %d interviews, %s; %s%n", prefix, ids.size(), Stats.ms(ms), s);
        List<Double> last = times.subList(Math.max(0, times.size() - 5), times.size());
        if (last.size() == 5 && Stats.of(last).p95() > limitMs) {
          stoppedBy = "create → active p95 of the last 5 above " + Stats.ms(limitMs);
          break;
        }
        if (s.prequelMaxOpenFiles() > 0 && s.prequelOpenFiles() > 0.9 * s.prequelMaxOpenFiles()) {
          stoppedBy = "file descriptors (Prequel holds over 90 % of its limit)";
          break;
        }
      }
      if (ctx != null) {
        ctx.close();
      }
    }
    double rss = 0;
    for (String id : ids) {
      try {
        rss += PrequelProcess.treeRssMib(runtime.rootPid(p, id));
      } catch (IOException | RuntimeException e) {
        // a workspace that failed to start has no process to count
      }
    }
    return new Result(
        times.size(),
        stoppedBy,
        Stats.of(times),
        browsers,
        rss,
        samples.isEmpty() ? null : samples.get(samples.size() - 1),
        samples);
  }

  /** The interview's "active" event, or its "error" one; whichever comes. */
  private LiveEvents.Arrival activeOrError(String id) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      for (String status : List.of("active", "error")) {
        LiveEvents.Arrival a = live.firstByIdAndStatus.get(id + "/" + status);
        if (a != null) {
          return a;
        }
      }
      Thread.sleep(2); // benchmark pacing
    }
    throw new IllegalStateException(id + " did not become active in 120 s");
  }

  /** Signs in as the candidate and waits until the workbench shows the challenge's files. */
  private static void openWorkbench(BrowserContext ctx, JsonNode interview) {
    Page page = ctx.newPage();
    page.navigate(interview.get("accessUrl").asText());
    page.locator("input[type=password]").fill(interview.get("password").asText());
    page.locator("input[type=password]").press("Enter");
    PlaywrightAssertions.assertThat(page.locator(".explorer-folders-view").getByText("README.md"))
        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(120_000));
  }

  private Sample sample(int n, double ms, long[] cpuBefore) {
    long[] cpuAfter = cpuTicks();
    long busy = cpuAfter[0] - cpuBefore[0];
    long total = cpuAfter[1] - cpuBefore[1];
    long pid = p.process.pid();
    return new Sample(
        n,
        ms,
        meminfo("MemAvailable:"),
        total > 0 ? 100.0 * busy / total : Double.NaN,
        loadAverage(),
        count(Path.of("/proc", Long.toString(pid), "fd")),
        maxOpenFiles(pid),
        machineOpenFiles(),
        folders(Path.of("/sys/fs/cgroup/memory/prequel")));
  }

  /** A line's fields, split at whitespace. */
  private static String[] fields(String line) {
    return SPACES.splitAsStream(line.strip()).toArray(String[]::new);
  }

  static double meminfo(String key) {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream()
          .filter(l -> l.startsWith(key))
          .findFirst()
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0)
          .orElse(0.0);
    } catch (IOException e) {
      return 0;
    }
  }

  /** The machine's CPU time so far: busy and total ticks (first line of /proc/stat). */
  private static long[] cpuTicks() {
    try {
      String[] f = fields(Files.readAllLines(Path.of("/proc/stat")).get(0).trim());
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(fields(Files.readString(Path.of("/proc/loadavg")))[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  private static long count(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(e -> !e.getFileName().toString().contains(".")).count();
    } catch (IOException e) {
      return -1;
    }
  }

  /** The folders in {@code dir} (cgroups are folders beside their control files). */
  private static long folders(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(Files::isDirectory).count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static long maxOpenFiles(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits")).stream()
          .filter(l -> l.startsWith("Max open files"))
          .findFirst()
          .map(l -> Long.parseLong(fields(l.substring("Max open files".length()).trim())[0]))
          .orElse(-1L);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long machineOpenFiles() {
    try {
      // Line by line: Files.readString reads a sysctl file in a first 1-byte read ("1").
      return Long.parseLong(fields(Files.readAllLines(Path.of("/proc/sys/fs/file-nr")).get(0))[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
