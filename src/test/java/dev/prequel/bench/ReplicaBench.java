package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.ReplicaCluster;
import dev.prequel.testing.ReplicaProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code ./prequel bench --replicas N}: N Prequel replicas (processes of their own) on one real
 * PostgreSQL, one bucket (S3Proxy) and one shared fake runtime ({@link
 * dev.prequel.testing.ReplicaCluster}) take 1,000 one-minute interviews through scheduled → active
 * → destroyed, the starts spread over 100 s; one replica is killed with SIGKILL while the expiries
 * are due. Writes the section "Replicas" of docs/benchmarks.md.
 */
final class ReplicaBench {

  private static final String SECTION = "## Replicas";

  private final int replicas;
  private final int count;
  private final Path outDir;
  private final List<String[]> rows = new ArrayList<>();

  /** The machine's load average when the run began: other work on it skews every figure. */
  private String loadAtStart = "";

  ReplicaBench(int replicas, int count, Path outDir) {
    this.replicas = replicas;
    this.count = count;
    this.outDir = outDir;
  }

  record Due(String id, Instant startsAt, Instant expiresAt) {}

  void run() throws Exception {
    loadAtStart = loadAverage();
    Path work = Path.of("target", "bench", "replicas-" + System.currentTimeMillis());
    Map<String, String> env =
        Map.of(
            "PREQUEL_MIN_DURATION_MINUTES", "1",
            "PREQUEL_PROVISION_LEAD_SECONDS", "0",
            "PREQUEL_READY_TIMEOUT_SECONDS", "120",
            "PREQUEL_SNAPSHOT_SECONDS", "3600",
            "PREQUEL_LOG_LEVEL", "WARN");
    System.out.printf("starting %d replicas …%n", replicas);
    try (ReplicaCluster cluster = ReplicaCluster.start(work, replicas, env)) {
      List<ReplicaCluster.Connections> samples = new ArrayList<>();
      AtomicBoolean sampling = new AtomicBoolean(true);
      Thread sampler = new Thread(() -> sample(cluster, samples, sampling), "bench-db-sampler");
      sampler.setDaemon(true);
      sampler.start();

      Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
      Instant firstStart = t0.plusSeconds(60);
      Duration spread = Duration.ofSeconds(100);
      List<Due> due = createAll(cluster, firstStart, spread);
      Instant created = Instant.now();
      row(
          "API creates (" + count + ", 8 clients, round-robin over the replicas)",
          String.format("%.0f interviews/s", count / secondsBetween(t0, created)));

      // One replica dies while the expiries are due: halfway through them.
      Instant killAt = firstStart.plus(Duration.ofMinutes(1)).plus(spread.dividedBy(2));
      waitUntil(killAt);
      ReplicaProcess victim = cluster.replica(replicas - 1);
      String prefix = victim.name + "-";
      int held = (int) cluster.owners().values().stream().filter(o -> o.startsWith(prefix)).count();
      victim.kill();
      Instant killed = Instant.now();
      Instant giveUp = killed.plusSeconds(60);
      while (cluster.owners().values().stream().anyMatch(o -> o.startsWith(prefix))
          && Instant.now().isBefore(giveUp)) {
        Thread.sleep(50); // a benchmark polling another process's state, not a test
      }
      Duration failover = Duration.between(killed, Instant.now());
      System.out.printf("failover: %d interviews in %d ms%n", held, failover.toMillis());

      Instant deadline = Instant.now().plus(Duration.ofMinutes(6));
      while (unfinished(cluster) > 0 && Instant.now().isBefore(deadline)) {
        Thread.sleep(200); // as above
      }
      sampling.set(false);
      sampler.join();
      report(cluster, due, samples, held, failover, firstStart, spread);
    }
    writeSection();
  }

  private List<Due> createAll(ReplicaCluster cluster, Instant firstStart, Duration spread)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<Due>> futures = new ArrayList<>();
      for (int n = 0; n < count; n++) {
        int k = n;
        Instant start = firstStart.plus(spread.multipliedBy(k).dividedBy(count));
        ReplicaProcess via = cluster.replica(k % replicas);
        futures.add(clients.submit(() -> create(via, "bench " + k, start)));
      }
      List<Due> due = new ArrayList<>();
      for (Future<Due> f : futures) {
        due.add(f.get());
      }
      return due;
    } finally {
      clients.shutdownNow();
    }
  }

  private static Due create(ReplicaProcess via, String name, Instant start) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("candidateName", name);
    body.put("challengeId", ReplicaCluster.CHALLENGE);
    body.put("durationMinutes", 1);
    body.put("scheduledAt", start.toString());
    HttpResponse<String> r =
        via.send("POST", "/api/v1/interviews", PrequelProcess.JSON.writeValueAsString(body));
    if (r.statusCode() != 201) {
      throw new IllegalStateException("create → " + r.statusCode() + " " + r.body());
    }
    JsonNode j = PrequelProcess.JSON.readTree(r.body());
    return new Due(
        j.get("id").asText(),
        Instant.parse(j.get("startsAt").asText()),
        Instant.parse(j.get("expiresAt").asText()));
  }

  private static void sample(
      ReplicaCluster cluster, List<ReplicaCluster.Connections> into, AtomicBoolean on) {
    while (on.get()) {
      try {
        ReplicaCluster.Connections c = cluster.connections();
        synchronized (into) {
          into.add(c);
        }
        Thread.sleep(500); // a sampling period
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // the database busy or gone for a moment: skip this sample
      }
    }
  }

  private static int errors(ReplicaCluster cluster) {
    return cluster
        .db
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT count(*) FROM interviews WHERE status = 'ERROR'")
                    .mapTo(Integer.class)
                    .one());
  }

  private static int unfinished(ReplicaCluster cluster) {
    return cluster
        .db
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT count(*) FROM interviews WHERE status NOT IN ('DESTROYED', 'ERROR')")
                    .mapTo(Integer.class)
                    .one());
  }

  private void report(
      ReplicaCluster cluster,
      List<Due> due,
      List<ReplicaCluster.Connections> samples,
      int held,
      Duration failover,
      Instant firstStart,
      Duration spread)
      throws Exception {
    Map<String, Map<String, Instant>> logs = transitionTimes(cluster);
    List<Double> startLate = new ArrayList<>();
    List<Double> expiryLate = new ArrayList<>();
    List<Double> destroyTime = new ArrayList<>();
    Instant lastActive = firstStart;
    Instant lastDestroyed = firstStart;
    int destroyed = 0;
    int twice = 0;
    for (Due d : due) {
      Map<String, Instant> t = logs.getOrDefault(d.id(), Map.of());
      add(startLate, d.startsAt(), t.get("scheduled → initializing"));
      add(expiryLate, d.expiresAt(), t.get("active → destroying"));
      add(destroyTime, t.get("active → destroying"), t.get("destroying → destroyed"));
      if (t.containsKey("configuring → active")
          && t.get("configuring → active").isAfter(lastActive)) {
        lastActive = t.get("configuring → active");
      }
      if (t.containsKey("destroying → destroyed")) {
        destroyed++;
        if (t.get("destroying → destroyed").isAfter(lastDestroyed)) {
          lastDestroyed = t.get("destroying → destroyed");
        }
      }
      twice += t.containsKey("twice") ? 1 : 0;
    }
    Instant firstExpiry = firstStart.plus(Duration.ofMinutes(1));
    row(
        "interviews destroyed / in error / created",
        destroyed + " / " + errors(cluster) + " / " + due.size());
    row("transitions recorded twice", Integer.toString(twice));
    row(
        "start throughput (" + count + " starts due over " + spread.toSeconds() + " s)",
        String.format(
            "%.1f interviews/s scheduled → active (all active %.1f s after the first was due)",
            count / secondsBetween(firstStart, lastActive),
            secondsBetween(firstStart, lastActive)));
    row(
        "expiry throughput (with one replica killed halfway)",
        String.format(
            "%.1f interviews/s active → destroyed (all destroyed %.1f s after the first expiry)",
            count / secondsBetween(firstExpiry, lastDestroyed),
            secondsBetween(firstExpiry, lastDestroyed)));
    row(
        "start lateness (scheduled → initializing after its start)",
        Stats.of(startLate).toString());
    row("expiry lateness (active → destroying after its end)", Stats.of(expiryLate).toString());
    row("destroying → destroyed (final snapshot to S3, removal)", Stats.of(destroyTime).toString());
    row(
        "failover: SIGKILL → every lease of the dead replica taken",
        String.format("%d ms (%d interviews)", failover.toMillis(), held));
    int maxOpen = samples.stream().mapToInt(ReplicaCluster.Connections::open).max().orElse(0);
    int maxBusy = samples.stream().mapToInt(ReplicaCluster.Connections::busy).max().orElse(0);
    double meanBusy =
        samples.stream().mapToInt(ReplicaCluster.Connections::busy).average().orElse(0);
    row(
        "PostgreSQL connections of all replicas (pool max 16 each)",
        String.format(
            "open max %d; busy mean %.1f, max %d (%d samples, every 0.5 s)",
            maxOpen, meanBusy, maxBusy, samples.size()));
  }

  private static void add(List<Double> into, Instant from, Instant to) {
    if (from != null && to != null) {
      into.add(Duration.between(from, to).toNanos() / 1e6);
    }
  }

  /**
   * Each interview's transitions with when they were recorded ("twice" if one was recorded twice).
   */
  private static Map<String, Map<String, Instant>> transitionTimes(ReplicaCluster cluster) {
    Map<String, Map<String, Instant>> all = new ConcurrentHashMap<>();
    cluster
        .db
        .jdbi()
        .useHandle(
            h ->
                h.createQuery(
                        "SELECT interview_id, at, message FROM interview_log"
                            + " WHERE message LIKE '% → %' ORDER BY seq")
                    .map(
                        (rs, ctx) ->
                            new Object[] {
                              rs.getString("interview_id"),
                              dev.prequel.store.Times.instant(rs, "at"),
                              rs.getString("message")
                            })
                    .forEach(
                        r -> {
                          String m = (String) r[2];
                          String t = m.contains(":") ? m.substring(0, m.indexOf(':')) : m;
                          Map<String, Instant> of =
                              all.computeIfAbsent((String) r[0], k -> new LinkedHashMap<>());
                          if (of.putIfAbsent(t, (Instant) r[1]) != null) {
                            of.put("twice", (Instant) r[1]);
                          }
                        }));
    return all;
  }

  private void row(String what, String value) {
    rows.add(new String[] {what, value});
    System.out.printf("%-62s %s%n", what, value);
  }

  /** Replaces (or appends) the "Replicas" section of benchmarks.md, leaving the rest as it is. */
  private void writeSection() throws Exception {
    Files.createDirectories(outDir);
    Path md = outDir.resolve("benchmarks.md");
    String before = Files.exists(md) ? Files.readString(md) : "# Benchmarks\n";
    int at = before.indexOf("\n" + SECTION + "\n");
    String kept = at < 0 ? before : before.substring(0, at + 1);
    String after = at < 0 ? "" : sectionsAfter(before, at + 1 + SECTION.length());
    StringBuilder s = new StringBuilder(kept.stripTrailing()).append("\n\n").append(SECTION);
    s.append("\n\nMeasured by `./prequel bench --replicas ")
        .append(replicas)
        .append("` on ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(": ")
        .append(replicas)
        .append(" replicas (separate JVMs, `-Xmx256m`) on one PostgreSQL 15 (a local server,")
        .append(" `fsync=off`), S3Proxy, and a shared fake runtime answering real HTTP; ")
        .append(count)
        .append(
            " one-minute interviews, their starts spread over 100 s (10 a second), one replica killed")
        .append(" with SIGKILL halfway through the expiries. All on this machine's cores, with")
        .append(" whatever else ran on it: take single runs as rough.\n\n");
    s.append("Load average (1, 5, 15 min) at the start: ")
        .append(loadAtStart)
        .append("; at the end: ")
        .append(loadAverage())
        .append(" (2 cores).\n\n");
    s.append("| measurement | result |\n|---|---|\n");
    for (String[] r : rows) {
      s.append("| ").append(r[0]).append(" | ").append(r[1]).append(" |\n");
    }
    Files.writeString(md, s.append(after).toString());
    System.out.println("\nwritten: " + md + " (section \"Replicas\")");
  }

  /** What follows the Replicas section (the next heading or the side-by-side marker on), kept. */
  private static String sectionsAfter(String text, int from) {
    int heading = text.indexOf("\n## ", from);
    int marker = text.indexOf("\n" + SideBySide.MARKER, from);
    int end = heading < 0 ? marker : marker < 0 ? heading : Math.min(heading, marker);
    return end < 0 ? "" : "\n" + text.substring(end);
  }

  private static String loadAverage() {
    try {
      List<String> f =
          com.google.common.base.Splitter.on(' ')
              .splitToList(Files.readString(Path.of("/proc/loadavg")));
      return f.get(0) + ", " + f.get(1) + ", " + f.get(2);
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /** The Replicas section of an earlier run, for the full bench to keep (empty when none). */
  static String keptSection(Path md) throws java.io.IOException {
    if (!Files.exists(md)) {
      return "";
    }
    String text = Files.readString(md);
    int at = text.indexOf("\n" + SECTION + "\n");
    return at < 0 ? "" : "\n" + text.substring(at + 1);
  }

  private static double secondsBetween(Instant a, Instant b) {
    return Math.max(0.001, Duration.between(a, b).toMillis() / 1000.0);
  }

  private static void waitUntil(Instant when) throws InterruptedException {
    long ms = Duration.between(Instant.now(), when).toMillis();
    if (ms > 0) {
      Thread.sleep(ms); // a benchmark's schedule, not a test's synchronisation
    }
  }
}
