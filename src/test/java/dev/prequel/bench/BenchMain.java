package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.prequel.proxy.WebSocketRoundTrips;
import dev.prequel.testing.Browser;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./prequel bench}: starts a real Prequel on the local runtime, drives it through its API
 * and prints what a user would feel — create → active, scheduler precision, live-status latency,
 * proxy overhead, memory and density — as a table, JSON and Markdown.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Prequel on this machine.")
public final class BenchMain implements Callable<Integer> {

  @Option(
      names = "--quick",
      description = "A short run (under 3 minutes) that shows the command works.")
  boolean quick;

  @Option(
      names = "-n",
      description =
          "Interviews created one after another for create → active (default 10; quick 3).")
  Integer interviews;

  @Option(
      names = "-k",
      split = ",",
      description = "SSE client counts (default 1,200,1000; quick 1,200).")
  List<Integer> clientCounts;

  @Option(
      names = "--events",
      description = "Status events per SSE measurement (default 40; quick 10).")
  Integer events;

  @Option(
      names = "--density-max",
      description = "Stop the density run at this many interviews (default 200; quick 2).")
  Integer densityMax;

  @Option(
      names = "--density-p95-ms",
      description =
          "Density stops once create → active p95 of the last 5 passes this (default 3000).")
  Double densityLimitMs;

  @Option(
      names = "--density-browsers",
      arity = "1",
      description =
          "Also run density with one headless Chromium (workbench open) per 10 interviews"
              + " (default: true; quick: false).")
  Boolean densityBrowsers;

  @Option(
      names = "--only",
      split = ",",
      description =
          "Run only these stages (create, memory, proxy, websocket, sse, scheduler, destroy,"
              + " density, density-browsers, pool, heap); one interview is created when a stage"
              + " needs it. Default: all. density-browsers alone runs only density's pass with"
              + " browsers.")
  List<String> only;

  @Option(
      names = "--heap-interviews",
      description =
          "Interviews active in the heap stage's Prequel (-Xmx256m), beside 1,000 SSE clients"
              + " (default 60; quick 2).")
  Integer heapInterviews;

  @Option(
      names = "--heap-scheduled",
      description =
          "The heap stage's interviews are scheduled a day ahead instead of started: the portal's"
              + " records and SSE clients without workspaces (no code-server).")
  boolean heapScheduled;

  @Option(
      names = "--out",
      description =
          "Folder for benchmarks.md and benchmarks.json (default docs/; quick: target/bench/).")
  Path out;

  @Option(
      names = "--replicas",
      description =
          "Only the replicas run: this many Prequels on one PostgreSQL take -n interviews (default"
              + " 1000) through their lifecycle, one killed halfway (section Replicas of"
              + " benchmarks.md).")
  Integer replicas;

  @Option(
      names = "--runtime",
      description =
          "Where the workspaces run: local (default) or docker; docker measures starts, memory and"
              + " density only (the proxy and live status are the runtime's concern in neither).")
  String runtimeName = "local";

  private BenchRuntime runtime;

  /** The cold start's p95 while nothing else runs: density stops once starts take twice that. */
  private double coldP95Ms = Double.NaN;

  private final Map<String, Object> results = new LinkedHashMap<>();
  private final List<String[]> table = new ArrayList<>();

  /** Each interview's login cookie ("prequel_ws=…"), as the candidate's browser keeps it. */
  private final Map<String, String> cookies = new java.util.concurrent.ConcurrentHashMap<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (replicas != null) {
      new ReplicaBench(
              replicas, interviews != null ? interviews : 1000, out != null ? out : Path.of("docs"))
          .run();
      return 0;
    }
    int n = interviews != null ? interviews : quick ? 3 : 10;
    int m = events != null ? events : quick ? 10 : 40;
    int maxDensity = densityMax != null ? densityMax : quick ? 2 : 200;
    int wrkSeconds = quick ? 3 : 10;
    // A partial run never overwrites the full table in docs/.
    Path outDir =
        out != null ? out : quick || only != null ? Path.of("target", "bench") : Path.of("docs");
    Path work = Path.of("target", "bench", "run-" + System.currentTimeMillis());
    Path jar = Path.of("target", "prequel.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          "build first: target/prequel.jar is missing (./prequel bench builds it)");
    }
    results.put("mode", (quick ? "quick" : "full") + (only != null ? " " + only : ""));
    results.put("runtime", runtimeName);
    results.put("machine", machine());
    runtime = BenchRuntime.named(runtimeName);
    try (BenchRuntime cleanUp = runtime) {
      measure(jar, work, n, m, maxDensity, wrkSeconds);
    }
    report(outDir);
    deleteTree(work);
    return 0;
  }

  private void measure(Path jar, Path work, int n, int m, int maxDensity, int wrkSeconds)
      throws Exception {
    boolean local = runtime.name().equals("local");
    try (PrequelProcess prequel =
            PrequelProcess.start(
                jar,
                work.resolve("data"),
                freePort(),
                withRuntime(Map.of("PREQUEL_PROVISION_LEAD_SECONDS", "5")));
        LiveEvents live = new LiveEvents(prequel)) {
      awaitTrue(live::connected, 10_000, "SSE connection");
      HttpClient http = new HttpClient();
      http.setFollowRedirects(false);
      http.start();
      try {
        boolean needsOne = runs("memory") || runs("proxy") || runs("destroy");
        List<String> ids =
            runs("create") || needsOne
                ? createToActive(prequel, live, http, runs("create") ? n : 1)
                : List.of();
        if (runs("memory")) {
          memory(prequel, ids);
        }
        // the proxy and live status are Prequel's own, the same on every runtime: measured on local
        if (local && runs("proxy")) {
          proxy(prequel, ids.get(0), work, wrkSeconds);
        }
        if (local && runs("websocket")) {
          webSocketRoundTrips(work, quick ? 200 : 1000);
        }
        if (local && runs("sse")) {
          sseLatency(
              prequel,
              clientCounts != null ? clientCounts : quick ? List.of(1, 200) : List.of(1, 200, 1000),
              m);
        }
        if (local && runs("scheduler")) {
          scheduler(prequel, live, quick ? 2 : 5);
        }
        // (its own key: the density stages' clean-ups once overwrote it in the side-by-side)
        destroyAll(prequel, live, ids, "destroyMs", "destroy → destroyed");
        if (runs("density") || runs("density-browsers")) {
          density(prequel, live, maxDensity);
        }
      } catch (RuntimeException e) {
        throw failed(e, prequel);
      } finally {
        http.stop();
        destroyEverything(prequel);
      }
    }
    if (runs("pool")) {
      warmPool(work, n, 2);
    }
    if (runs("heap")) {
      heap(jar, work, m);
    }
  }

  /** Issue 16 §5: the portal's heap with many interviews and SSE clients, in -Xmx256m. */
  private void heap(Path jar, Path work, int m) throws Exception {
    int n = heapInterviews != null ? heapInterviews : quick ? 2 : 60;
    int k = clientCounts != null ? java.util.Collections.max(clientCounts) : quick ? 200 : 1000;
    HeapBench.Result r =
        new HeapBench(jar, work.resolve("heap"), withRuntime(Map.of()))
            .run(n, k, m, !heapScheduled);
    results.put("portalHeapUnderLoad", r);
    row(
        "portal heap, "
            + n
            + " interviews "
            + (heapScheduled ? "scheduled (no workspaces)" : "active")
            + " and "
            + k
            + " SSE clients",
        r.toString());
  }

  /** {@code env} with the settings that put workspaces on the benchmarked runtime. */
  private Map<String, String> withRuntime(Map<String, String> env) {
    Map<String, String> all = new LinkedHashMap<>(runtime.env());
    all.putAll(env);
    return all;
  }

  private boolean runs(String stage) {
    return only == null || only.contains(stage);
  }

  // ---- create → active -------------------------------------------------------------------

  private List<String> createToActive(PrequelProcess p, LiveEvents live, HttpClient http, int n)
      throws Exception {
    List<Double> times = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    StartupPhases phases = new StartupPhases();
    List<Double> firstPages = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Instant t0 = Instant.now();
      JsonNode created = create(p, "bench-" + i, null);
      String id = created.get("id").asText();
      LiveEvents.Arrival active = live.awaitStatus(id, "active", 120_000);
      times.add(Duration.between(t0, active.arrived()).toNanos() / 1e6);
      ids.add(id);
      phases.add(p.send("GET", "/api/v1/interviews/" + id + "/log", null), t0);
      // The IDE answers through the proxy, behind the password: what "active" promises.
      cookies.put(id, login(p, http, id, created.get("password").asText()));
      firstPages.add(firstPageMs(p, http, id, cookies.get(id)));
    }
    Stats s = Stats.of(times);
    coldP95Ms = s.p95();
    results.put("createToActiveColdMs", s);
    row("create → active (cold, sequential)", s.toString());
    results.put("createToActivePhasesMs", phases.stats());
    row("create → active, where the time goes", phases.summary());
    Stats pages = Stats.of(firstPages);
    results.put("firstIdePageMs", pages);
    row("then the IDE's first page (code-server's / through the proxy)", pages.toString());
    // The same figure as Prequel's own /metrics reports it (recorded transition to transition).
    String metrics = p.get("/metrics").body();
    double sum = sample(metrics, "prequel_create_to_active_seconds_sum");
    double count = sample(metrics, "prequel_create_to_active_seconds_count");
    double benchMean = times.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    results.put("createToActiveMeanMs", Map.of("bench", benchMean, "metrics", sum / count * 1000));
    row(
        "create → active mean: bench / Prequel's /metrics",
        String.format(
            "%s / %s (n=%d / %.0f)",
            Stats.ms(benchMean), Stats.ms(sum / count * 1000), times.size(), count));
    return ids;
  }

  /**
   * How long the candidate's first request for the IDE takes once the interview is active: code-
   * server answers {@code /} (a redirect to the folder) only once VS Code's server is loaded, which
   * code-server itself does on that request, so "active" alone can hide part of the start.
   */
  static double firstPageMs(PrequelProcess p, HttpClient http, String id, String cookie)
      throws Exception {
    long t0 = System.nanoTime();
    var page =
        http.newRequest("127.0.0.1", p.port)
            .path("/")
            .headers(
                h ->
                    h.put(HttpHeader.HOST, id + ".localhost:" + p.port)
                        .put(HttpHeader.COOKIE, cookie))
            .timeout(30, TimeUnit.SECONDS)
            .send();
    double ms = (System.nanoTime() - t0) / 1e6;
    if (page.getStatus() != 302 && page.getStatus() != 200) {
      throw new IllegalStateException("the IDE's first page answered " + page.getStatus());
    }
    return ms;
  }

  /** Logs in as the candidate through the proxy; returns the cookie ("prequel_ws=…"). */
  static String login(PrequelProcess p, HttpClient http, String id, String password)
      throws Exception {
    var login =
        http.newRequest("127.0.0.1", p.port)
            .path("/login")
            .method("POST")
            .headers(h -> h.put(HttpHeader.HOST, id + ".localhost:" + p.port))
            .body(
                new org.eclipse.jetty.client.StringRequestContent(
                    "application/x-www-form-urlencoded",
                    "password="
                        + java.net.URLEncoder.encode(
                            password, java.nio.charset.StandardCharsets.UTF_8)))
            .timeout(10, TimeUnit.SECONDS)
            .send();
    if (login.getStatus() != 302) {
      throw new IllegalStateException("login through the proxy answered " + login.getStatus());
    }
    String setCookie = login.getHeaders().get(HttpHeader.SET_COOKIE);
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    var ide =
        http.newRequest("127.0.0.1", p.port)
            .path("/healthz")
            .headers(
                h ->
                    h.put(HttpHeader.HOST, id + ".localhost:" + p.port)
                        .put(HttpHeader.COOKIE, cookie))
            .timeout(10, TimeUnit.SECONDS)
            .send();
    if (ide.getStatus() != 200) {
      throw new IllegalStateException("the IDE answered " + ide.getStatus() + " after login");
    }
    return cookie;
  }

  /**
   * create → active with a warm pool of {@code poolSize} spares, in a Prequel of its own (the main
   * run has none): each create waits until the pool is full again, as when interviews are created
   * minutes apart; the refill time is reported too.
   */
  private void warmPool(Path work, int n, int poolSize) throws Exception {
    try (PrequelProcess p =
            PrequelProcess.start(
                Path.of("target", "prequel.jar"),
                work.resolve("data-pool"),
                freePort(),
                withRuntime(Map.of("PREQUEL_POOL_SIZE", Integer.toString(poolSize))));
        LiveEvents live = new LiveEvents(p)) {
      awaitTrue(live::connected, 10_000, "SSE connection");
      HttpClient http = new HttpClient();
      http.setFollowRedirects(false);
      http.start();
      List<Double> times = new ArrayList<>();
      List<Double> refills = new ArrayList<>();
      List<String> ids = new ArrayList<>();
      try {
        if (poolSize(p) == 0) {
          results.put("createToActiveWarmPoolMs", "not measured: no spares on this runtime");
          row(
              "create → active (warm pool of " + poolSize + ")",
              "not measured: the " + runtime.name() + " runtime has no spares yet");
          return;
        }
        awaitTrue(() -> poolIdle(p) == poolSize, 120_000, "the pool to fill");
        for (int i = 0; i < n; i++) {
          Instant t0 = Instant.now();
          JsonNode created = create(p, "warm-" + i, null);
          String id = created.get("id").asText();
          LiveEvents.Arrival active = live.awaitStatus(id, "active", 120_000);
          times.add(Duration.between(t0, active.arrived()).toNanos() / 1e6);
          ids.add(id);
          String log = p.get("/api/v1/interviews/" + id + "/log").body();
          if (!log.contains("took a warm workspace")) {
            throw new IllegalStateException(id + " did not come from the pool: " + log);
          }
          login(p, http, id, created.get("password").asText());
          awaitTrue(() -> poolIdle(p) == poolSize, 120_000, "the pool to refill");
          refills.add(Duration.between(t0, Instant.now()).toNanos() / 1e6);
        }
      } catch (RuntimeException e) {
        throw failed(e, p);
      } finally {
        http.stop();
        for (String id : ids) {
          p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
        }
        destroyEverything(p);
      }
      Stats s = Stats.of(times);
      results.put("createToActiveWarmPoolMs", s);
      row("create → active (warm pool of " + poolSize + ", sequential)", s.toString());
      Stats r = Stats.of(refills);
      results.put("poolRefillMs", r);
      row("pool back to full after a create (warm pool)", r.toString());
    }
    // Spares outlive a stopped Prequel (the next start takes them back): one without a pool
    // removes them.
    try (PrequelProcess p =
        PrequelProcess.start(
            Path.of("target", "prequel.jar"),
            work.resolve("data-pool"),
            freePort(),
            withRuntime(Map.of()))) {
      awaitTrue(() -> !hasSpares(work.resolve("data-pool")), 60_000, "the spares to go");
    }
  }

  /** A stage's failure with the end of Prequel's log (warnings and errors), which says why. */
  private static IllegalStateException failed(RuntimeException e, PrequelProcess p) {
    return new IllegalStateException(
        e.getMessage() + "\n--- the end of Prequel's log (" + p.dataDir + ") ---\n" + p.logTail(30),
        e);
  }

  /**
   * Whether a spare is left: its folder (local runtime) or its disk (docker). Before the docker
   * runtime's disks were looked at, the pool-less Prequel was stopped at once, while it was still
   * removing the spares, and their disks stayed mounted.
   */
  private static boolean hasSpares(Path dataDir) {
    for (String folder : List.of("workspaces", "docker-disks")) {
      try (var entries = Files.list(dataDir.resolve(folder))) {
        if (entries.anyMatch(e -> e.getFileName().toString().startsWith("spare-"))) {
          return true;
        }
      } catch (IOException e) {
        // no such folder on this runtime
      }
    }
    return false;
  }

  /** The pool's size as Prequel reports it: 0 when its runtime cannot keep spares. */
  private static int poolSize(PrequelProcess p) throws Exception {
    return PrequelProcess.JSON.readTree(p.get("/healthz").body()).path("pool").path("size").asInt();
  }

  private static int poolIdle(PrequelProcess p) {
    try {
      return PrequelProcess.JSON
          .readTree(p.get("/healthz").body())
          .path("pool")
          .path("idle")
          .asInt();
    } catch (Exception e) {
      return -1;
    }
  }

  // ---- memory ----------------------------------------------------------------------------

  private void memory(PrequelProcess p, List<String> ids) throws Exception {
    String id = ids.get(0);
    List<Double> idle = new ArrayList<>();
    for (String wid : ids) {
      idle.add(PrequelProcess.treeRssMib(runtime.rootPid(p, wid)));
    }
    Stats idleStats = Stats.of(idle);
    results.put("workspaceRssIdleMib", idleStats);
    row(
        "workspace RSS, idle",
        String.format(
            "median %.0f MiB, max %.0f MiB (n=%d)",
            idleStats.p50(), idleStats.max(), idleStats.n()));

    JsonNode interview = p.send("GET", "/api/v1/interviews/" + id, null);
    try (Browser browser = new Browser()) {
      BrowserContext ctx = browser.newContext();
      Page page = ctx.newPage();
      page.navigate(interview.get("accessUrl").asText());
      page.locator("input[type=password]").fill(interview.get("password").asText());
      page.locator("input[type=password]").press("Enter");
      com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(
              page.locator(".explorer-folders-view").getByText("README.md"))
          .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(60_000));
      double withClient = PrequelProcess.treeRssMib(runtime.rootPid(p, id));
      results.put("workspaceRssWithOneClientMib", withClient);
      row(
          "workspace RSS, one browser with the workbench open",
          String.format("%.0f MiB", withClient));
      ctx.close();
    }
    JsonNode health = PrequelProcess.JSON.readTree(p.get("/healthz").body());
    double heap = health.path("heapUsedBytes").asDouble() / (1024 * 1024);
    double rss = PrequelProcess.rssKib(p.process.pid()) / 1024.0;
    results.put("portalHeapUsedMib", heap);
    results.put("portalRssMib", rss);
    row("portal (JVM) heap used / RSS", String.format("%.0f MiB / %.0f MiB", heap, rss));
  }

  // ---- proxy -----------------------------------------------------------------------------

  /**
   * How long the portal's proxy path is warmed at most, beyond every path's 2 s, until its JIT
   * compiler threads are nearly idle: they compile Jetty's server and client paths for a minute or
   * more after start.
   */
  private static final Duration PROXY_SETTLE_AT_MOST = Duration.ofMinutes(2);

  private void proxy(PrequelProcess p, String id, Path work, int seconds) throws Exception {
    String path = "/_static/src/browser/pages/global.css";
    String upstream = p.workspaceUpstream(id);
    int nginxPort = freePort();
    Map<String, ProxyComparison.PathResult> r;
    try (Nginx nginx = Nginx.start(work.resolve("nginx"), nginxPort, upstream)) {
      // One client for every row, so the rows differ only in what is between it and
      // code-server; "direct" is code-server's own socket.
      String host = id + ".localhost:" + p.port;
      Map<String, HttpLoad> paths = new LinkedHashMap<>();
      paths.put("direct", new HttpLoad(upstream, "localhost", path, List.of(), 32));
      paths.put(
          "prequel",
          new HttpLoad(
              "127.0.0.1:" + p.port, host, path, List.of("Cookie: " + cookies.get(id)), 32));
      paths.put("nginx", new HttpLoad("127.0.0.1:" + nginxPort, "127.0.0.1", path, List.of(), 32));
      r =
          ProxyComparison.measure(
              paths,
              Map.of(
                  "prequel",
                  new ProxyComparison.Proxy(p.process.pid(), false, true),
                  "nginx",
                  new ProxyComparison.Proxy(nginx.pid(), true, false)),
              // code-server's own rate moves by a fifth between 10 s windows on a quiet machine
              // (2,220-3,520 req/s by wrk through socat, 2026-12-02), so ten short rounds, each
              // path in every place of the order, and the ratio to nginx round by round
              Duration.ofSeconds(quick ? seconds : 5),
              quick ? 1 : 10,
              PROXY_SETTLE_AT_MOST.multipliedBy(quick ? 0 : 1),
              // the workspace's code-server: the portal's only descendants here
              new ProxyComparison.Backend(
                  () ->
                      ProxyComparison.cpuTicks(p.process.pid())
                          - new ProxyComparison.Proxy(p.process.pid(), false, true).cpuTicks(),
                  () -> ProxyComparison.descendantsPreempted(p.process.pid())));
    }
    results.put("proxyHttp", r);
    if (r.values().stream()
        .anyMatch(w -> w.load().errors() > 0 || !(w.load().requestsPerSecond() > 0))) {
      // Say why, for whoever reads a table with failed rows: the workspace's own account.
      System.err.println(
          "bench: the proxy rows had failures; the interview's log:\n"
              + p.get("/api/v1/interviews/" + id + "/log").body());
    }
    results.put("proxyHttpUpstream", upstream.startsWith("unix:") ? "unix socket" : "tcp");
    double base = r.get("nginx").load().requestsPerSecond();
    for (var e : r.entrySet()) {
      HttpLoad.Result w = e.getValue().load();
      double cpu = e.getValue().proxyCpuMsPerRequest();
      row(
          "HTTP via " + e.getKey() + " (32 connections, static file, steady state)",
          String.format(
              "%.0f req/s (%.2f× nginx%s), p50 %.2f ms, p99 %.2f ms%s%s%s; code-server %.3f ms"
                  + " CPU and preempted %.2f times per request",
              w.requestsPerSecond(),
              w.requestsPerSecond() / base,
              "nginx".equals(e.getKey()) ? "" : perRound(e.getValue(), r.get("nginx")),
              w.p50(),
              w.p99(),
              Double.isNaN(cpu) ? "" : String.format(", proxy CPU %.3f ms/request", cpu),
              e.getValue().warmedForSeconds() == 0
                  ? ""
                  : String.format(
                      ", after %d s of warm-up (the JIT)", e.getValue().warmedForSeconds()),
              w.errors() > 0 ? ", " + w.errors() + " errors" : "",
              e.getValue().backendCpuMsPerRequest(),
              e.getValue().backendPreemptionsPerRequest()));
    }
  }

  /** The per-round ratio to nginx, when there were rounds enough to give it an interval. */
  private static String perRound(
      ProxyComparison.PathResult path, ProxyComparison.PathResult nginx) {
    if (path.roundRequestsPerSecond().size() < 2) {
      return "";
    }
    double[] ratio = path.ratioTo(nginx);
    return String.format(
        "; round by round %.2f× ± %.2f, %d rounds",
        ratio[0], ratio[1], path.roundRequestsPerSecond().size());
  }

  private void webSocketRoundTrips(Path work, int rounds) throws Exception {
    Map<String, List<Double>> rtt =
        WebSocketRoundTrips.measure(
            rounds,
            1024,
            backend -> {
              try {
                int port = freePort();
                Nginx nginx = Nginx.start(work.resolve("nginx-ws"), port, "127.0.0.1:" + backend);
                return new WebSocketRoundTrips.AutoCloseableWithPort() {
                  @Override
                  public int port() {
                    return port;
                  }

                  @Override
                  public void close() throws Exception {
                    nginx.close();
                  }
                };
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Map<String, Stats> stats = new LinkedHashMap<>();
    rtt.forEach((k, v) -> stats.put(k, Stats.of(v)));
    results.put("webSocketRoundTripMs", stats);
    stats.forEach((k, s) -> row("WebSocket round trip via " + k + " (1 KiB, echo)", s.toString()));
  }

  // ---- live status -----------------------------------------------------------------------

  private void sseLatency(PrequelProcess p, List<Integer> counts, int m) throws Exception {
    JsonNode scheduled = create(p, "sse-probe", Instant.now().plus(Duration.ofDays(1)));
    String id = scheduled.get("id").asText();
    LiveEventsBench bench =
        new LiveEventsBench(p, id, Instant.parse(scheduled.get("startsAt").asText()));
    try {
      for (int k : counts) {
        LiveEventsBench.Latency s = bench.latency(k, m);
        results.put("sseLatencyMs.k" + k, s.perDelivery());
        results.put("sseLatencyToLastClientMs.k" + k, s.toLastClient());
        String clients = k + " SSE client" + (k == 1 ? "" : "s");
        row("live status latency, " + clients, s.perDelivery().toString());
        if (k > 1) {
          row("live status latency to the last of " + clients, s.toLastClient().toString());
          row("portal CPU per event to " + clients, s.cpu());
        }
      }
      // A stalled client among 100 readers: it must delay nobody, and be dropped once its
      // queue (1,024 events) is full.
      LiveEventsBench.SlowClient slow = bench.slowClient(100, quick ? 1500 : 3000);
      results.put("sseLatencyWithAStalledClientMs.k100", slow.readers().perDelivery());
      results.put(
          "sseStalledClientDroppedAfterEvents", slow.dropped() ? slow.eventsUntilDropped() : -1);
      row(
          "live status latency, 100 SSE clients and 1 that stopped reading",
          slow.readers().perDelivery()
              + (slow.dropped()
                  ? "; the stalled one was dropped within " + slow.eventsUntilDropped() + " events"
                  : "; the stalled one was NOT dropped after "
                      + slow.eventsUntilDropped()
                      + " events"));
    } finally {
      p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    }
  }

  // ---- scheduler -------------------------------------------------------------------------

  private void scheduler(PrequelProcess p, LiveEvents live, int count) throws Exception {
    Instant start = Instant.now().plusSeconds(15);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(create(p, "scheduled-" + i, start).get("id").asText());
    }
    List<Double> activeLateness = new ArrayList<>();
    for (String id : ids) {
      LiveEvents.Arrival a = live.awaitStatus(id, "active", 120_000);
      activeLateness.add(Duration.between(start, a.arrived()).toNanos() / 1e6);
    }
    // Expiry must come after the start; an interview may turn active a moment before its start.
    Instant now = Instant.now();
    Instant end =
        (now.isAfter(start) ? now : start)
            .plusSeconds(4)
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    for (String id : ids) {
      p.send("PATCH", "/api/v1/interviews/" + id, Map.of("expiresAt", end.toString()));
    }
    List<Double> destroyingLateness = new ArrayList<>();
    List<Double> destroyedLateness = new ArrayList<>();
    for (String id : ids) {
      destroyingLateness.add(
          Duration.between(end, live.awaitStatus(id, "destroying", 60_000).arrived()).toNanos()
              / 1e6);
      destroyedLateness.add(
          Duration.between(end, live.awaitStatus(id, "destroyed", 60_000).arrived()).toNanos()
              / 1e6);
    }
    Stats a = Stats.of(activeLateness);
    Stats d = Stats.of(destroyingLateness);
    Stats dd = Stats.of(destroyedLateness);
    results.put("scheduledActiveRelativeToStartMs", a);
    results.put("expiryToDestroyingMs", d);
    results.put("expiryToDestroyedMs", dd);
    row("active relative to scheduled start (negative = early)", a.toString());
    row("expiry → destroying (timer lateness)", d.toString());
    row("expiry → destroyed", dd.toString());
  }

  // ---- destroy and density ----------------------------------------------------------------

  /** Destroys them one after another; the figures go under {@code resultKey} and in a row. */
  private void destroyAll(
      PrequelProcess p, LiveEvents live, List<String> ids, String resultKey, String label)
      throws Exception {
    List<Double> times = new ArrayList<>();
    for (String id : ids) {
      Instant t0 = Instant.now();
      p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
      times.add(
          Duration.between(t0, live.awaitStatus(id, "destroyed", 60_000).arrived()).toNanos()
              / 1e6);
    }
    Stats s = Stats.of(times);
    results.put(resultKey, s);
    row(label, s.toString());
  }

  /**
   * Density to the limit ({@link DensityBench}): once without browsers, then (full run) with one
   * real browser, the workbench open, per 10 interviews.
   */
  private void density(PrequelProcess p, LiveEvents live, int max) throws Exception {
    // The target (3 s); on another runtime, twice the idle machine's p95 when it starts slower.
    double limitMs =
        densityLimitMs != null
            ? densityLimitMs
            : runtime.name().equals("local") || Double.isNaN(coldP95Ms)
                ? 3000
                : Math.max(3000, 2 * coldP95Ms);
    boolean browsers =
        runs("density-browsers") && (densityBrowsers != null ? densityBrowsers : !quick);
    if (runs("density")) {
      densityPass(p, live, max, 0, limitMs, "density");
    }
    if (browsers) {
      densityPass(p, live, max, 10, limitMs, "densityWithBrowsers");
    }
  }

  private void densityPass(
      PrequelProcess p, LiveEvents live, int max, int browserEvery, double limitMs, String key)
      throws Exception {
    List<String> ids = new ArrayList<>();
    DensityBench.Result r;
    try {
      r = new DensityBench(p, live, runtime, limitMs).run(key, max, browserEvery, ids);
    } finally {
      destroyAll(
          p,
          live,
          ids,
          key + "DestroyMs",
          "destroy → destroyed (" + key + " clean-up, " + ids.size() + " at once)");
    }
    results.put(key, r);
    String label =
        browserEvery > 0
            ? "density with 1 browser (workbench open) per " + browserEvery + " interviews"
            : "density: concurrent interviews";
    row(
        label,
        r.concurrentInterviews()
            + " (stopped by "
            + r.stoppedBy()
            + "), workspaces RSS "
            + String.format("%.0f MiB", r.workspacesRssTotalMib())
            + (browserEvery > 0 ? ", " + r.browsers() + " browsers" : "")
            + ", create → active "
            + r.createToActiveMs());
    if (r.atTheEnd() != null) {
      row(label + ": at the limit", r.atTheEnd().toString());
    }
  }

  private void destroyEverything(PrequelProcess p) {
    try {
      for (JsonNode i : p.send("GET", "/api/v1/interviews", null)) {
        String status = i.get("status").asText();
        if (!status.equals("destroyed")
            && !status.equals("cancelled")
            && !status.equals("error")
            && !status.equals("destroying")) {
          p.send("POST", "/api/v1/interviews/" + i.get("id").asText() + "/destroy", null);
        }
      }
      awaitTrue(
          () -> {
            try {
              for (JsonNode i : p.send("GET", "/api/v1/interviews", null)) {
                if (List.of("initializing", "configuring", "active", "destroying")
                    .contains(i.get("status").asText())) {
                  return false;
                }
              }
              return true;
            } catch (Exception e) {
              return false;
            }
          },
          120_000,
          "every workspace destroyed");
    } catch (Exception e) {
      System.err.println("bench: clean-up incomplete: " + e.getMessage());
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static double sample(String exposition, String name) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(name))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(Double.NaN);
  }

  /** A one-hour interview of the SQL challenge, started now or at {@code scheduledAt}. */
  static JsonNode create(PrequelProcess p, String name, Instant scheduledAt) throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("candidateName", name);
    body.put("challengeId", "sql-sales-report");
    body.put("durationMinutes", 60);
    if (scheduledAt != null) {
      body.put("scheduledAt", scheduledAt.toString());
    }
    return p.send("POST", "/api/v1/interviews", body);
  }

  private void row(String what, String value) {
    table.add(new String[] {what, value});
    System.out.printf("%-58s %s%n", what, value);
  }

  /**
   * What follows the table in the report already there (targeted runs, profiles, the replicas'
   * section): a new full run replaces the table, not the write-ups below it.
   */
  static String keptAfterTable(Path md, String json) throws IOException {
    if (!Files.exists(md)) {
      return "";
    }
    String text = Files.readString(md);
    String end = "\nRaw figures: `" + json + "` beside this file.\n";
    int at = text.indexOf(end);
    return at < 0 ? ReplicaBench.keptSection(md) : text.substring(at + end.length());
  }

  private void report(Path outDir) throws IOException {
    Files.createDirectories(outDir);
    PrequelProcess.JSON
        .copy()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(outDir.resolve(runtime.reportName("json")).toFile(), results);
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks")
        .append(runtime.name().equals("local") ? "" : ": the " + runtime.name() + " runtime")
        .append("\n\n");
    md.append("Measured by `./prequel bench")
        .append(quick ? " --quick" : "")
        .append(runtime.name().equals("local") ? "" : " --runtime " + runtime.name())
        .append("` on ")
        .append(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        .append(".\n\n");
    md.append("Machine: ").append(results.get("machine")).append("\n\n");
    md.append("| measurement | result |\n|---|---|\n");
    for (String[] r : table) {
      md.append("| ").append(r[0]).append(" | ").append(r[1]).append(" |\n");
    }
    md.append("\nRaw figures: `")
        .append(runtime.reportName("json"))
        .append("` beside this file.\n");
    if (runtime.name().equals("local")) {
      md.append(keptAfterTable(outDir.resolve("benchmarks.md"), runtime.reportName("json")));
    }
    Files.writeString(outDir.resolve(runtime.reportName("md")), md.toString());
    SideBySide.write(outDir);
    System.out.println(
        "\nwritten: "
            + outDir.resolve(runtime.reportName("md"))
            + ", "
            + outDir.resolve(runtime.reportName("json")));
  }

  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu =
          Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
              .filter(l -> l.startsWith("model name"))
              .findFirst()
              .map(l -> l.substring(l.indexOf(':') + 1).strip())
              .orElse(cpu);
    } catch (IOException e) {
      // keep "unknown"
    }
    return String.format(
        "%d cores (%s), %.0f GiB memory, %s %s, Java %s",
        Runtime.getRuntime().availableProcessors(),
        cpu,
        memTotalMib() / 1024.0,
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        Runtime.version());
  }

  private static double memTotalMib() {
    return DensityBench.meminfo("MemTotal:");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void awaitTrue(
      java.util.function.BooleanSupplier condition, long timeoutMs, String what)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(5); // benchmark pacing
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
