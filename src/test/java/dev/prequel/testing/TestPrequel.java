package dev.prequel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.Config;
import dev.prequel.Prequel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Fields;

/**
 * A real Prequel (real database, real code-server, real HTTP) on a free port in a temporary folder,
 * with the HTTP calls a client would make.
 */
public final class TestPrequel implements AutoCloseable {

  public static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How long a test waits for an answer: long enough for a Prequel's first page on a busy machine
   * (the JVM's first look at the challenges runs Python to check their tools: seconds of CPU, and
   * over 30 s on a machine loaded eight times over while other test classes run beside it), short
   * enough that a hang fails the test.
   */
  public static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public final Path dataDir;
  public final Prequel prequel;
  private final org.eclipse.jetty.client.HttpClient jetty =
      new org.eclipse.jetty.client.HttpClient();

  /** The runtime this Prequel's workspaces run on. */
  public dev.prequel.runtime.WorkspaceRuntime runtime() {
    return dev.prequel.PrequelParts.runtime(prequel);
  }

  /** The interviews' operations, as the portal calls them. */
  public dev.prequel.interview.Interviews interviews() {
    return dev.prequel.PrequelParts.interviews(prequel);
  }

  /** The warm pool of spare workspaces. */
  public dev.prequel.pool.WarmPool pool() {
    return dev.prequel.PrequelParts.pool(prequel);
  }

  private TestPrequel(Path dataDir, Prequel prequel) throws Exception {
    this.dataDir = dataDir;
    this.prequel = prequel;
    jetty.setFollowRedirects(false);
    jetty.start();
  }

  public static TestPrequel start(Path dataDir) throws Exception {
    return start(dataDir, Map.of());
  }

  public static TestPrequel start(Path dataDir, Map<String, String> extraEnv) throws Exception {
    return start(dataDir, extraEnv, Clock.systemUTC(), TestRuntime.LOCAL);
  }

  /**
   * A Prequel whose workspaces run on {@code runtime} (skipped where this machine has none), with
   * time from {@code clock}: timers still wait in real time, but every step reads {@code clock}, so
   * moving it on expires an interview at the next reconcile pass.
   */
  public static TestPrequel start(
      Path dataDir, Map<String, String> extraEnv, Clock clock, TestRuntime runtime)
      throws Exception {
    var env =
        new java.util.HashMap<String, String>(
            Map.of(
                "PREQUEL_PORT", "0",
                "PREQUEL_BIND", "127.0.0.1",
                "PREQUEL_DATA_DIR", dataDir.toString(),
                "PREQUEL_CHALLENGES_DIR", Path.of("challenges").toAbsolutePath().toString(),
                "PREQUEL_CODE_SERVER_DIR", dev.prequel.testing.TestCodeServer.dir().toString()));
    env.putAll(TestAuth.env());
    env.putAll(runtime.env());
    env.putAll(extraEnv);
    Config config = Config.fromEnv(env);
    return new TestPrequel(dataDir, Prequel.start(config, clock, runtime.build(config, clock)));
  }

  public int port() {
    return prequel.port();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send("GET", uri(path), null);
  }

  public HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    return send(method, uri(path), body);
  }

  /** A JSON API call as a client makes it (HTTP/1.1, no redirects followed), as the admin. */
  public static HttpResponse<String> send(String method, URI uri, String body)
      throws IOException, InterruptedException {
    return send(method, uri, body, TestAuth.basic());
  }

  /** An API call with the given {@code Authorization} header (null: none). */
  public static HttpResponse<String> send(String method, URI uri, String body, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpResponse<String> response =
        HTTP.send(
            request
                .timeout(ANSWER_TIMEOUT)
                .header("Content-Type", "application/json")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    noteSecrets(response);
    return response;
  }

  /** Remembers the secrets in an API answer (candidate passwords, tokens) for LogScanTest. */
  private static void noteSecrets(HttpResponse<String> response) {
    String body = response.body();
    if (body == null || !(body.contains("\"password\"") || body.contains("\"token\""))) {
      return;
    }
    try {
      JSON.readTree(body).findValues("password").forEach(v -> TestLogs.secret(v.asText()));
      JSON.readTree(body).findValues("token").forEach(v -> TestLogs.secret(v.asText()));
    } catch (IOException e) {
      // not JSON: nothing to remember
    }
  }

  public JsonNode json(HttpResponse<String> response) throws IOException {
    return JSON.readTree(response.body());
  }

  /** Creates an interview through the API and returns its JSON. */
  public JsonNode create(String challengeId, int minutes) throws Exception {
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/interviews",
            JSON.writeValueAsString(
                Map.of(
                    "candidateName",
                    "Test Candidate",
                    "challengeId",
                    challengeId,
                    "durationMinutes",
                    minutes)));
    if (r.statusCode() != 201) {
      throw new AssertionError("create answered " + r.statusCode() + ": " + r.body());
    }
    return json(r);
  }

  public String status(String id) throws Exception {
    return json(get("/api/v1/interviews/" + id)).get("status").asText();
  }

  /**
   * A request as a candidate's browser sends it: to Prequel's port, on the workspace's own host
   * name.
   */
  public ContentResponse workspaceGet(String id, String path, String cookie) throws Exception {
    var request =
        jetty
            .newRequest("127.0.0.1", port())
            .path(path)
            .method(HttpMethod.GET)
            .headers(
                h ->
                    h.put(HttpHeader.HOST, id + ".localhost:" + port())
                        .put(HttpHeader.ACCEPT, "text/html"))
            .timeout(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (cookie != null) {
      request.headers(h -> h.put(HttpHeader.COOKIE, cookie));
    }
    return request.send();
  }

  public ContentResponse workspaceLogin(String id, String password) throws Exception {
    Fields form = new Fields();
    form.put("password", password);
    return jetty
        .newRequest("127.0.0.1", port())
        .path("/login")
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.HOST, id + ".localhost:" + port()))
        .body(new FormRequestContent(form))
        .timeout(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .send();
  }

  /** The {@code prequel_ws=…} cookie a successful login set, ready for a Cookie header. */
  public static String workspaceCookieOf(ContentResponse login) {
    return login.getHeaders().getValuesList(HttpHeader.SET_COOKIE).stream()
        .filter(c -> c.startsWith("prequel_ws="))
        .findFirst()
        .map(c -> c.substring(0, c.indexOf(';')))
        .orElseThrow(() -> new AssertionError("login set no prequel_ws cookie: " + login));
  }

  /** Logs in as the candidate and returns the cookie their browser would keep. */
  public String workspaceCookie(String id, String password) throws Exception {
    ContentResponse login = workspaceLogin(id, password);
    if (login.getStatus() != 302) {
      throw new AssertionError("login answered " + login.getStatus());
    }
    return workspaceCookieOf(login);
  }

  /** Stops Prequel as a crash would leave things: workspaces keep running. */
  public void stopLeavingWorkspaces() throws Exception {
    prequel.stop(false);
    jetty.stop();
  }

  @Override
  public void close() {
    prequel.stop(true);
    try {
      jetty.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
