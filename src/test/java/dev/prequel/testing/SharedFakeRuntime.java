package dev.prequel.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One in-memory runtime ({@link FakeRuntime}) that several Prequel replicas, in processes of their
 * own, share over HTTP ({@link RemoteFakeRuntime} is their side): its state lives in the test's
 * JVM, so a replica killed with SIGKILL leaves its workspaces running for the others to adopt, as a
 * Docker engine or a Kubernetes cluster would. Its workspaces serve real HTTP on a second port: a
 * request the replicas' proxy forwards (its {@code X-Forwarded-Host} names the interview) gets 200
 * and "workspace {id}" while that workspace runs, 502 otherwise; so readiness probes and a
 * candidate's requests go the whole way through Prequel's proxy.
 */
public final class SharedFakeRuntime implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state every replica sees; tests read it (calls, running workspaces, files). */
  public final FakeRuntime fake = new FakeRuntime(Clock.systemUTC());

  private final HttpServer control;
  private final HttpServer workspaces;
  private final ExecutorService threads = Executors.newFixedThreadPool(8);

  public SharedFakeRuntime() throws IOException {
    workspaces =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
    workspaces.createContext("/", this::serveWorkspace);
    workspaces.setExecutor(threads);
    workspaces.start();
    control =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
    control.createContext("/rt/", this::serveControl);
    control.setExecutor(threads);
    control.start();
  }

  /** Where replicas reach the runtime ({@code PREQUEL_TEST_FAKE_RUNTIME}). */
  public URI url() {
    return URI.create("http://127.0.0.1:" + control.getAddress().getPort() + "/rt/");
  }

  private URI workspaceEndpoint() {
    return URI.create("http://127.0.0.1:" + workspaces.getAddress().getPort());
  }

  /** How many times each interview's workspace was provisioned. */
  public long provisions(String interviewId) {
    synchronized (fake.calls) {
      return fake.calls.stream().filter(("provision " + interviewId)::equals).count();
    }
  }

  private void serveWorkspace(HttpExchange x) throws IOException {
    String host =
        Optional.ofNullable(x.getRequestHeaders().getFirst("X-Forwarded-Host")).orElse("");
    String id = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    boolean runs = fake.running.containsKey(id);
    reply(x, runs ? 200 : 502, runs ? "workspace " + id : "no workspace " + id);
  }

  private void serveControl(HttpExchange x) throws IOException {
    try {
      String op = x.getRequestURI().getPath().substring("/rt/".length());
      String query = Optional.ofNullable(x.getRequestURI().getQuery()).orElse("");
      String id = query.startsWith("id=") ? query.substring(3) : "";
      Object answer = answer(op, id, x.getRequestBody());
      if (answer == null) {
        reply(x, 404, "{}");
      } else {
        reply(x, 200, JSON.writeValueAsString(answer));
      }
    } catch (Exception e) {
      reply(x, 500, String.valueOf(e));
    }
  }

  /** The operation's answer as JSON-able values; null for "no such workspace". */
  private Object answer(String op, String id, InputStream body) throws Exception {
    switch (op) {
      case "provision" -> {
        return json(fake.provision(new WorkspaceSpec(id), line -> {}));
      }
      case "configure" -> {
        configure(id, JSON.readValue(body, TreeMap.class));
        return Map.of();
      }
      case "setup" -> {
        fake.runSetup(id, null, line -> {});
        return Map.of();
      }
      case "find" -> {
        return fake.find(id).map(this::json).orElse(null);
      }
      case "list" -> {
        return fake.list().stream().map(this::json).toList();
      }
      case "stop" -> {
        fake.stop(id, line -> {});
        return Map.of();
      }
      case "destroy" -> {
        fake.destroy(id, line -> {});
        return Map.of();
      }
      case "files" -> {
        Map<String, String> files = new LinkedHashMap<>();
        boolean any = fake.readFiles(id, collect(files));
        return any ? files : null;
      }
      default -> throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  /** The challenge's files, as a replica read them from its challenge store, in the workspace. */
  private void configure(String id, Map<?, ?> files) throws IOException {
    Path dir = Files.createTempDirectory("pgo-challenge-");
    try {
      for (Map.Entry<?, ?> f : files.entrySet()) {
        Path target = dir.resolve(String.valueOf(f.getKey())).normalize();
        if (!target.startsWith(dir)) {
          throw new IllegalArgumentException("a path outside the challenge: " + f.getKey());
        }
        Files.createDirectories(target.getParent());
        Files.writeString(target, String.valueOf(f.getValue()));
      }
      fake.configure(id, dir, line -> {});
    } finally {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static WorkspaceFileVisitor collect(Map<String, String> into) {
    return new WorkspaceFileVisitor() {
      @Override
      public boolean enterFolder(String path) {
        return true;
      }

      @Override
      public void file(String path, long size, boolean executable, Content content)
          throws IOException {
        try (InputStream in = content.open()) {
          into.put(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    };
  }

  private Map<String, String> json(Workspace w) {
    return Map.of(
        "id",
        w.interviewId(),
        "endpoint",
        workspaceEndpoint().toString(),
        "startedAt",
        w.startedAt().toString());
  }

  private static void reply(HttpExchange x, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (var out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Every workspace still running, for a test's "nothing left behind". */
  public List<String> running() {
    return List.copyOf(fake.running.keySet());
  }

  /** Every workspace whose files are still kept. */
  public List<String> withFiles() {
    return List.copyOf(fake.files.keySet());
  }

  @Override
  public void close() {
    control.stop(0);
    workspaces.stop(0);
    threads.shutdownNow();
  }
}
