package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Runs the real Prequel as a separate process, kills it with SIGKILL at seeded-random moments
 * (while a workspace is provisioned, while it is active, while it is destroyed), starts it again,
 * and checks after every round: no code-server without a live interview, no interview stuck in a
 * transitional status, and every ended interview's last snapshot holds the last files written.
 *
 * <p>{@code -Dprequel.crash.rounds=N} (or {@code PREQUEL_CRASH_ROUNDS}) sets the rounds (3 by
 * default); {@code -Dprequel.crash.seed=S} replays a run.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CrashTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final Set<String> TRANSITIONAL =
      Set.of("scheduled", "initializing", "configuring", "destroying");
  private static final String[] PHASES = {"provisioning", "active", "destroying"};

  @TempDir Path data;

  /** The Prequel processes' output, kept where LogScanTest looks for leaked secrets. */
  private final Path log = dev.prequel.testing.TestLogs.file("crash-test");

  private Process prequel;
  private int port;
  private int starts;

  /** The files this test wrote into each interview's workspace, last content each. */
  private final Map<String, Map<String, String>> written = new LinkedHashMap<>();

  /** Interviews whose final snapshot was already checked. */
  private final Set<String> checked = new java.util.HashSet<>();

  @Test
  void killingPrequelAtAnyMomentLosesNoWorkAndLeavesNothingBehind() throws Exception {
    int rounds =
        Integer.getInteger(
            "prequel.crash.rounds",
            Integer.parseInt(System.getenv().getOrDefault("PREQUEL_CRASH_ROUNDS", "3")));
    long seed = Long.getLong("prequel.crash.seed", System.nanoTime());
    Random random = new Random(seed); // the kill schedule
    Random text =
        new Random(~seed); // file contents: drawn apart, so timing cannot shift the schedule
    System.out.printf("[crash] %d rounds, seed %d%n", rounds, seed);
    int orphans = 0;
    int stuck = 0;
    int lost = 0;
    Map<String, Integer> kills = new TreeMap<>();
    long begin = System.nanoTime();
    try {
      start();
      for (int round = 1; round <= rounds; round++) {
        String phase = PHASES[random.nextInt(PHASES.length)];
        kills.merge(phase, 1, Integer::sum);
        String id = create();
        switch (phase) {
          case "provisioning" -> Thread.sleep(random.nextInt(1500));
          case "active" -> {
            awaitStatus(id, Set.of("active"), Duration.ofSeconds(60));
            write(
                id, "round-" + round + ".txt", "written in round " + round + " " + text.nextLong());
            Thread.sleep(random.nextInt(2500)); // spans periodic snapshots (every second here)
            write(id, "cleaning.py", "# last edit before the crash " + text.nextLong() + "\n");
          }
          default -> {
            awaitStatus(id, Set.of("active"), Duration.ofSeconds(60));
            write(id, "cleaning.py", "# last edit before destroy " + text.nextLong() + "\n");
            send("POST", "/api/v1/interviews/" + id + "/destroy");
            Thread.sleep(random.nextInt(700));
          }
        }
        kill();
        start();

        // Finish every interview as an interviewer would, after writing once more.
        for (JsonNode i : interviews()) {
          String iid = i.get("id").asText();
          String status =
              awaitStatus(
                  iid, Set.of("active", "destroyed", "cancelled", "error"), Duration.ofSeconds(90));
          if (status.equals("active")) {
            write(iid, "closing.txt", "closing note " + text.nextLong());
            send("POST", "/api/v1/interviews/" + iid + "/destroy");
          }
        }
        for (JsonNode i : interviews()) {
          String iid = i.get("id").asText();
          String status =
              awaitStatus(iid, Set.of("destroyed", "cancelled", "error"), Duration.ofSeconds(60));
          if (TRANSITIONAL.contains(status) || status.equals("active")) {
            stuck++;
            System.out.printf("[crash] round %d: %s stuck in %s%n", round, iid, status);
          }
          if (!status.equals("destroyed")) {
            System.out.printf(
                "[crash] round %d: %s ended %s: %s%n", round, iid, status, i.get("errorReason"));
          }
        }
        orphans += orphanCodeServers(round);
        lost += lostFiles(round);
        System.out.printf(
            "[crash] round %d (%s) done at %d s%n",
            round, phase, (System.nanoTime() - begin) / 1_000_000_000);
      }
    } finally {
      kill();
      killLeftoverCodeServers();
    }
    System.out.printf(
        "[crash] %d rounds (kills %s), %d starts, %d interviews: %d orphan code-servers, %d stuck, %d files lost, %d s%n",
        rounds,
        kills,
        starts,
        written.size(),
        orphans,
        stuck,
        lost,
        (System.nanoTime() - begin) / 1_000_000_000);
    assertThat(orphans).as("code-server processes without a live interview").isZero();
    assertThat(stuck).as("interviews stuck in a transitional status").isZero();
    assertThat(lost).as("written files missing from the final snapshots").isZero();
  }

  // --- the Prequel process ---

  private void start() throws Exception {
    port = freePort();
    starts++;
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xmx384m",
                "-cp",
                classpath,
                "dev.prequel.cli.Main",
                "run")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    env.put("PREQUEL_PORT", Integer.toString(port));
    env.put("PREQUEL_BIND", "127.0.0.1");
    env.put("PREQUEL_DATA_DIR", data.toString());
    env.putAll(TestAuth.env());
    env.put("PREQUEL_CHALLENGES_DIR", Path.of("challenges").toAbsolutePath().toString());
    env.put("PREQUEL_CODE_SERVER_DIR", dev.prequel.testing.TestCodeServer.dir().toString());
    env.put("PREQUEL_SNAPSHOT_SECONDS", "1");
    env.put("PREQUEL_RECONCILE_SECONDS", "2");
    env.put("PREQUEL_LOG_LEVEL", "INFO");
    prequel = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (get("/healthz").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!prequel.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("Prequel did not start; see " + log);
      }
      Thread.sleep(100);
    }
  }

  /** SIGKILL: no shutdown hook, no flush, as in a power cut of the JVM. */
  private void kill() throws InterruptedException {
    if (prequel != null && prequel.isAlive()) {
      prequel.destroyForcibly();
      prequel.waitFor(10, TimeUnit.SECONDS);
    }
  }

  // --- what a client does ---

  private String create() throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Crash\",\"challengeId\":\"python-pandas-cleaning\",\"durationMinutes\":60}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = JSON.readTree(r.body()).get("id").asText();
    written.put(id, new HashMap<>());
    return id;
  }

  /** The candidate saves a file (straight into the workspace folder code-server edits). */
  private void write(String id, String path, String content) throws IOException {
    Path file = data.resolve("workspaces").resolve(id).resolve("workspace").resolve(path);
    Files.writeString(file, content);
    written.get(id).put(path, content);
  }

  private List<JsonNode> interviews() throws Exception {
    List<JsonNode> all = new ArrayList<>();
    JSON.readTree(get("/api/v1/interviews").body()).forEach(all::add);
    return all;
  }

  private String awaitStatus(String id, Set<String> wanted, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String status;
    do {
      status = JSON.readTree(get("/api/v1/interviews/" + id).body()).get("status").asText();
      if (wanted.contains(status)) {
        return status;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    return status;
  }

  // --- the checks ---

  /** Code-server processes (found by the marker in their environment) of ended interviews. */
  private int orphanCodeServers(int round) throws Exception {
    Map<Long, String> processes = new HashMap<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    do {
      processes = codeServers();
      if (processes.isEmpty()) {
        return 0;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    System.out.printf("[crash] round %d: orphan code-server processes %s%n", round, processes);
    return processes.size();
  }

  private int lostFiles(int round) throws Exception {
    int lost = 0;
    for (Map.Entry<String, Map<String, String>> e : written.entrySet()) {
      String id = e.getKey();
      if (e.getValue().isEmpty() || !checked.add(id)) {
        continue;
      }
      Map<String, String> archived = zip(id);
      for (Map.Entry<String, String> f : e.getValue().entrySet()) {
        if (!f.getValue().equals(archived.get(f.getKey()))) {
          lost++;
          System.out.printf(
              "[crash] round %d: %s/%s: wrote '%s', archived '%s'%n",
              round, id, f.getKey(), f.getValue(), archived.get(f.getKey()));
        }
      }
      if (Files.exists(data.resolve("workspaces").resolve(id))) {
        lost++;
        System.out.printf("[crash] round %d: %s's workspace folder is still there%n", round, id);
      }
    }
    return lost;
  }

  private Map<String, String> zip(String id) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(uri("/api/v1/interviews/" + id + "/files.zip"))
                .header("Authorization", TestAuth.basic())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    Map<String, String> files = new HashMap<>();
    if (r.statusCode() != 200) {
      // 404 after a restart: the database no longer knows the interview (its files, if any, were
      // archived under its id by the reconciler); say so, the count of lost files follows
      System.out.printf(
          "[crash] %s: files.zip answered %d: %s%n",
          id, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
      return files;
    }
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        files.put(
            e.getName().substring(id.length() + 1),
            new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return files;
  }

  private Map<Long, String> codeServers() {
    byte[] marker =
        ("PREQUEL_WORKSPACE=" + data.resolve("workspaces").toAbsolutePath())
            .getBytes(StandardCharsets.UTF_8);
    Map<Long, String> found = new HashMap<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : entries) {
        try {
          byte[] env = Files.readAllBytes(entry.resolve("environ"));
          String text = new String(env, StandardCharsets.ISO_8859_1);
          int at = text.indexOf(new String(marker, StandardCharsets.ISO_8859_1));
          if (at >= 0) {
            long pid = Long.parseLong(entry.getFileName().toString());
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                && !Files.readString(entry.resolve("stat"))
                    .replaceFirst(".*\\) ", "")
                    .startsWith("Z")) {
              found.put(pid, text.substring(at, text.indexOf('\0', at)));
            }
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return found;
  }

  private void killLeftoverCodeServers() {
    codeServers()
        .keySet()
        .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  // --- HTTP ---

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return TestPrequel.send("GET", uri(path), null);
  }

  private HttpResponse<String> send(String method, String path) throws Exception {
    return send(method, path, null);
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return TestPrequel.send(method, uri(path), body);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
