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

/**
 * A Server-Sent Events client that keeps every {@code interview} event it receives, in order, and
 * their ids.
 */
public final class EventStream implements AutoCloseable {

  public final List<JsonNode> events = new CopyOnWriteArrayList<>();

  /** The {@code id:} of each event in {@link #events}, at the same index ("" when it had none). */
  public final List<String> ids = new CopyOnWriteArrayList<>();

  private final CompletableFuture<HttpResponse<Stream<String>>> response;
  private final CompletableFuture<Void> reader;
  private volatile boolean connected;

  public EventStream(URI uri) {
    this(uri, null);
  }

  /** As a browser's EventSource reconnects: with the last event id it saw (null: none). */
  public EventStream(URI uri, String lastEventId) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri)
            .header("Accept", "text/event-stream")
            .header("Authorization", dev.prequel.testing.TestAuth.basic());
    if (lastEventId != null) {
      builder.header("Last-Event-ID", lastEventId);
    }
    HttpRequest request = builder.build();
    response = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
    reader =
        response.thenAcceptAsync(
            r -> {
              String[] event = {null};
              String[] id = {""};
              r.body()
                  .forEach(
                      line -> {
                        if (line.startsWith(":")) {
                          connected = true;
                        } else if (line.startsWith("event:")) {
                          event[0] = line.substring(6).strip();
                        } else if (line.startsWith("id:")) {
                          id[0] = line.substring(3).strip();
                        } else if (line.startsWith("data:") && "interview".equals(event[0])) {
                          try {
                            JsonNode data = TestPrequel.JSON.readTree(line.substring(5).strip());
                            ids.add(id[0]); // before the event: whoever sees it sees its id
                            events.add(data);
                          } catch (Exception e) {
                            throw new IllegalStateException(e);
                          }
                        } else if (line.isEmpty()) {
                          event[0] = null;
                          id[0] = "";
                        }
                      });
            });
  }

  /** Completes when the stream ends: the server closed it, or the connection failed. */
  public CompletableFuture<Void> ended() {
    return reader;
  }

  /** True once the server's first comment arrived: events from now on will be seen. */
  public boolean connected() {
    return connected;
  }

  /** The id of the last event received, for a reconnect's {@code Last-Event-ID}. */
  public String lastId() {
    return ids.get(ids.size() - 1);
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
