package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real Prequel started as its own OS process (the jar ./prequel run uses), driven over HTTP. */
final class PrequelProcess implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  final int port;
  final Path dataDir;
  final Process process;

  /**
   * What every call sends: an API token once one is made. Basic credentials cost a bcrypt per
   * request (by design), which on 2 cores would be most of the load the bench itself adds.
   */
  private volatile String authorization = dev.prequel.testing.TestAuth.basic();

  private PrequelProcess(int port, Path dataDir, Process process) {
    this.port = port;
    this.dataDir = dataDir;
    this.process = process;
  }

  static PrequelProcess start(Path jar, Path dataDir, int port, Map<String, String> env)
      throws Exception {
    return start(jar, dataDir, port, env, List.of());
  }

  /** With JVM options of its own, e.g. {@code -Xmx256m} (after PREQUEL_BENCH_JAVA_OPTS). */
  static PrequelProcess start(
      Path jar, Path dataDir, int port, Map<String, String> env, List<String> jvmOptions)
      throws Exception {
    Files.createDirectories(dataDir);
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // For profiling the portal under load, e.g. "-XX:StartFlightRecording=filename=p.jfr".
    String javaOpts = System.getenv().getOrDefault("PREQUEL_BENCH_JAVA_OPTS", "").strip();
    if (!javaOpts.isEmpty()) {
      command.addAll(List.of(javaOpts.split("\\s+")));
    }
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", jar.toString(), "run"));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("prequel.log").toFile());
    pb.environment().put("PREQUEL_PORT", Integer.toString(port));
    pb.environment().put("PREQUEL_BIND", "127.0.0.1");
    pb.environment().put("PREQUEL_DATA_DIR", dataDir.toString());
    pb.environment().putAll(dev.prequel.testing.TestAuth.env());
    pb.environment()
        .put("PREQUEL_CHALLENGES_DIR", Path.of("challenges").toAbsolutePath().toString());
    pb.environment().put("PREQUEL_LOG_LEVEL", "WARN");
    pb.environment().putAll(env);
    PrequelProcess p = new PrequelProcess(port, dataDir, pb.start());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        if (p.get("/healthz").statusCode() == 200) {
          p.authorization =
              "Bearer "
                  + p.send("POST", "/api/v1/tokens", Map.of("name", "bench")).get("token").asText();
          return p;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (!p.process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Prequel did not start; see " + dataDir.resolve("prequel.log"));
      }
      Thread.sleep(50); // polling a separate process's start-up; this is a benchmark, not a test
    }
  }

  /** The Authorization header value this process's API calls carry. */
  String authorization() {
    return authorization;
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", authorization)
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode send(String method, String path, Object body) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(uri(path))
                .header("Authorization", authorization)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(
          method + " " + path + " → " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  /**
   * Where the workspace's code-server listens, from the local runtime's state file: {@code
   * unix:/path} for a sandboxed workspace, {@code 127.0.0.1:PORT} otherwise.
   */
  String workspaceUpstream(String id) throws IOException {
    JsonNode state =
        JSON.readTree(dataDir.resolve("workspaces").resolve(id).resolve("runtime.json").toFile());
    String socket = state.path("socket").asText("");
    return socket.isEmpty() ? "127.0.0.1:" + state.get("port").asInt() : "unix:" + socket;
  }

  long workspaceRootPid(String id) throws IOException {
    return JSON.readTree(dataDir.resolve("workspaces").resolve(id).resolve("runtime.json").toFile())
        .get("pid")
        .asLong();
  }

  /** Resident memory of a process and all its descendants, in MiB. */
  static double treeRssMib(long pid) {
    return ProcessHandle.of(pid)
        .map(
            root ->
                (rssKib(root.pid()) + root.descendants().mapToLong(d -> rssKib(d.pid())).sum())
                    / 1024.0)
        .orElse(0.0);
  }

  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // gone
    }
    return 0;
  }

  /** The last {@code n} lines of the process's output, for a failure's message. */
  String logTail(int n) {
    try {
      List<String> lines =
          Files.readAllLines(dataDir.resolve("prequel.log")).stream()
              .filter(l -> !l.isBlank())
              .toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
