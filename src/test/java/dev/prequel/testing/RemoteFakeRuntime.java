package dev.prequel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A replica's side of {@link SharedFakeRuntime}: every operation is an HTTP call to the runtime all
 * replicas share, so what one replica provisions the others find, as with the Docker runtime.
 */
public final class RemoteFakeRuntime implements WorkspaceRuntime {

  /** The environment variable naming the shared runtime's URL, for {@link ReplicaMain}. */
  public static final String ENV = "PREQUEL_TEST_FAKE_RUNTIME";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  public RemoteFakeRuntime(URI base) {
    this.base = base;
  }

  @Override
  public String name() {
    return "shared-fake";
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) throws IOException {
    return workspace(call("provision", spec.interviewId(), null).orElseThrow());
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (var walk = Files.walk(challengeFiles)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        files.put(challengeFiles.relativize(f).toString(), Files.readString(f));
      }
    }
    call("configure", interviewId, JSON.writeValueAsString(files));
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log)
      throws IOException {
    call("setup", interviewId, "");
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    try {
      return call("find", interviewId, null).map(RemoteFakeRuntime::workspace);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public List<Workspace> list() {
    try {
      List<Workspace> all = new ArrayList<>();
      call("list", "", null).orElseThrow().forEach(w -> all.add(workspace(w)));
      return all;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) throws IOException {
    call("stop", interviewId, "");
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) throws IOException {
    call("destroy", interviewId, "");
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    Optional<JsonNode> files = call("files", interviewId, null);
    if (files.isEmpty()) {
      return false;
    }
    for (Map.Entry<String, JsonNode> f : files.get().properties()) {
      String path = f.getKey();
      byte[] bytes = f.getValue().asText().getBytes(StandardCharsets.UTF_8);
      int slash = path.lastIndexOf('/');
      if (slash < 0 || visitor.enterFolder(path.substring(0, slash))) {
        visitor.file(path, bytes.length, false, () -> new ByteArrayInputStream(bytes));
      }
    }
    return true;
  }

  private static Workspace workspace(JsonNode w) {
    return new Workspace(
        w.get("id").asText(),
        URI.create(w.get("endpoint").asText()),
        Instant.parse(w.get("startedAt").asText()));
  }

  /** The answer's JSON; empty when the runtime says there is no such workspace (404). */
  private Optional<JsonNode> call(String op, String id, String body) throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(
                base.resolve(op + "?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(30));
    request =
        body == null
            ? request.GET()
            : request.POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    HttpResponse<String> r;
    try {
      r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw new IOException("the shared runtime answered " + r.statusCode() + ": " + r.body());
    }
    return Optional.of(JSON.readTree(r.body()));
  }
}
