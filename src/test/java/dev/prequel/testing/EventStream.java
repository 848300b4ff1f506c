package dev.prequel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/** A Server-Sent Events client that keeps every {@code interview} event it receives, in order. */
public final class EventStream implements AutoCloseable {

  public final List<JsonNode> events = new CopyOnWriteArrayList<>();
  private final CompletableFuture<HttpResponse<Stream<String>>> response;
  private final CompletableFuture<Void> reader;
  private volatile boolean connected;

  public EventStream(URI uri) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .header("Accept", "text/event-stream")
            .header("Authorization", dev.prequel.testing.TestAuth.basic())
            .build();
    response = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
    reader =
        response.thenAcceptAsync(
            r -> {
              String[] event = {null};
              r.body()
                  .forEach(
                      line -> {
                        if (line.startsWith(":")) {
                          connected = true;
                        } else if (line.startsWith("event:")) {
                          event[0] = line.substring(6).strip();
                        } else if (line.startsWith("data:") && "interview".equals(event[0])) {
                          try {
                            events.add(TestPrequel.JSON.readTree(line.substring(5).strip()));
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                        }
                      });
            });
  }

  /** True once the server's first comment arrived: events from now on will be seen. */
  public boolean connected() {
    return connected;
  }

  /** The statuses announced for one interview, in the order they arrived. */
  public List<String> statusesOf(String id) {
    return events.stream()
        .filter(e -> e.get("id").asText().equals(id))
        .map(e -> e.get("status").asText())
        .toList();
  }

  @Override
  public void close() {
    reader.cancel(true);
    if (response.isDone() && !response.isCompletedExceptionally()) {
      response.join().body().close();
    } else {
      response.cancel(true);
    }
  }
}
