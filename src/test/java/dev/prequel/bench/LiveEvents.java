package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** One SSE client that notes when each (interview, status, updatedAt) event arrived. */
final class LiveEvents implements AutoCloseable {

  /** When an event arrived, and when the transition it announces was recorded. */
  record Arrival(Instant arrived, Instant recorded, JsonNode body) {}

  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  final Map<String, Arrival> firstByIdAndStatus = new ConcurrentHashMap<>();
  final Map<String, Arrival> byUpdate = new ConcurrentHashMap<>();
  final AtomicInteger received = new AtomicInteger();
  private final CompletableFuture<HttpResponse<Stream<String>>> response;
  private volatile boolean connected;

  LiveEvents(PrequelProcess prequel) {
    this(prequel.uri("/api/v1/events"), prequel.authorization());
  }

  LiveEvents(URI uri, String authorization) {
    response =
        HTTP.sendAsync(
            HttpRequest.newBuilder(uri)
                .header("Accept", "text/event-stream")
                .header("Authorization", authorization)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    var unused =
        response.thenAcceptAsync(
            r ->
                r.body()
                    .forEach(
                        line -> {
                          if (line.startsWith(":")) {
                            connected = true;
                          } else if (line.startsWith("data:")) {
                            note(line.substring(5).strip());
                          }
                        }));
  }

  private void note(String data) {
    Instant now = Instant.now();
    try {
      JsonNode e = PrequelProcess.JSON.readTree(data);
      Arrival a = new Arrival(now, Instant.parse(e.get("updatedAt").asText()), e);
      firstByIdAndStatus.putIfAbsent(e.get("id").asText() + "/" + e.get("status").asText(), a);
      byUpdate.putIfAbsent(e.get("id").asText() + "@" + e.get("updatedAt").asText(), a);
      received.incrementAndGet();
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
  }

  boolean connected() {
    return connected;
  }

  Arrival awaitStatus(String id, String status, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      Arrival a = firstByIdAndStatus.get(id + "/" + status);
      if (a != null) {
        return a;
      }
      Thread.sleep(2); // benchmark pacing
    }
    throw new IllegalStateException(id + " did not become " + status + " in " + timeoutMs + " ms");
  }

  @Override
  public void close() {
    if (response.isDone() && !response.isCompletedExceptionally()) {
      response.join().body().close();
    } else {
      response.cancel(true);
    }
  }
}
