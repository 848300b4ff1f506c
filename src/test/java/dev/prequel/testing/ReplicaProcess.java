package dev.prequel.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Prequel replica ({@link ReplicaMain}) in a JVM of its own, started from the test's classpath,
 * so that {@link #kill} is a real SIGKILL: no shutdown hook, no lease given up, connections cut by
 * the kernel.
 */
public final class ReplicaProcess implements AutoCloseable {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public final String name;
  public final int port;
  public final Path dataDir;
  private final Process process;

  private ReplicaProcess(String name, int port, Path dataDir, Process process) {
    this.name = name;
    this.port = port;
    this.dataDir = dataDir;
    this.process = process;
  }

  /** Starts the replica and returns once it answers {@code /healthz}. */
  public static ReplicaProcess start(String name, Path dataDir, Map<String, String> env)
      throws IOException {
    Files.createDirectories(dataDir);
    int port = freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Small and quick to start: three of these share the machine with the tests and PostgreSQL.
    command.addAll(
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    command.addAll(List.of("-cp", classpath(), ReplicaMain.class.getName()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("prequel.log").toFile());
    pb.environment().putAll(env);
    pb.environment().put("PREQUEL_PORT", Integer.toString(port));
    pb.environment().put("PREQUEL_BIND", "127.0.0.1");
    pb.environment().put("PREQUEL_DATA_DIR", dataDir.toString());
    pb.environment().put("HOSTNAME", name); // its lease-holder id starts with it (Leases)
    ReplicaProcess replica = new ReplicaProcess(name, port, dataDir, pb.start());
    try {
      await(name + " answers /healthz")
          .atMost(TestPrequel.ANSWER_TIMEOUT.multipliedBy(2))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(
              () -> {
                if (!replica.process.isAlive()) {
                  throw new AssertionError(name + " exited; see " + replica.log());
                }
                return replica.get("/healthz").statusCode() == 200;
              });
    } catch (RuntimeException | AssertionError e) {
      replica.kill();
      throw new IllegalStateException(name + " did not start; see " + replica.log(), e);
    }
    return replica;
  }

  /**
   * The classpath the tests run with: the class loader's (under {@code mvn exec:java}) or the JVM's
   * (under surefire, whose manifest-only jar lists the rest).
   */
  static String classpath() {
    if (Thread.currentThread().getContextClassLoader() instanceof URLClassLoader urls) {
      List<String> paths = new ArrayList<>();
      for (var u : urls.getURLs()) {
        paths.add(Path.of(URI.create(u.toString())).toString());
      }
      if (!paths.isEmpty()) {
        return String.join(java.io.File.pathSeparator, paths);
      }
    }
    return System.getProperty("java.class.path");
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  public Path log() {
    return dataDir.resolve("prequel.log");
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send("GET", path, null);
  }

  /** An API call as the admin; {@code body} is JSON (or null). */
  public HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(uri(path))
            .header("Authorization", TestAuth.basic())
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() {
    process.destroyForcibly(); // SIGKILL on Linux
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM: the replica stops as an operator would stop it, giving its leases up. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  private static int freePort() throws IOException {
    try (var s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
