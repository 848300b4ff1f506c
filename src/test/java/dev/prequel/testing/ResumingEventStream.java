package dev.prequel.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A live-events client that behaves like a browser's EventSource: when its stream ends (the server
 * dropped it, the connection broke) it connects again with {@code Last-Event-ID}, the id of the
 * last event it got, so the server sends what it missed. {@link #events} is everything received
 * over all its connections, in order.
 */
public final class ResumingEventStream implements AutoCloseable {

  /**
   * How long a browser waits before reconnecting (EventSource's default retry is a few seconds).
   */
  private static final long RETRY_MILLIS = 500;

  private final URI uri;
  private final List<EventStream> streams = new ArrayList<>();
  private final AtomicInteger reconnects = new AtomicInteger();
  private String lastId;
  private boolean closed;

  public ResumingEventStream(URI uri) {
    this.uri = uri;
    open();
  }

  private synchronized void open() {
    if (closed) {
      return;
    }
    EventStream s = new EventStream(uri, lastId);
    streams.add(s);
    var unused =
        s.ended()
            .whenComplete(
                (ok, failed) -> {
                  var unusedRetry =
                      CompletableFuture.runAsync(
                          this::resume,
                          CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS));
                });
  }

  private synchronized void resume() {
    if (closed) {
      return;
    }
    EventStream last = streams.get(streams.size() - 1);
    if (!last.ids.isEmpty()) {
      lastId = last.lastId();
    }
    reconnects.incrementAndGet();
    open();
  }

  /** True once the first connection's stream has begun: events from now on will be seen. */
  public synchronized boolean connected() {
    return streams.get(0).connected();
  }

  /** Every interview event received, over all connections, in order. */
  public synchronized List<JsonNode> events() {
    List<JsonNode> all = new ArrayList<>();
    streams.forEach(s -> all.addAll(s.events));
    return all;
  }

  /** The ids of {@link #events}, at the same indexes. */
  public synchronized List<String> ids() {
    List<String> all = new ArrayList<>();
    streams.forEach(s -> all.addAll(s.ids.subList(0, Math.min(s.ids.size(), s.events.size()))));
    return all;
  }

  /** The statuses announced for one interview, in the order they arrived. */
  public List<String> statusesOf(String id) {
    return events().stream()
        .filter(e -> e.get("id").asText().equals(id))
        .map(e -> e.get("status").asText())
        .toList();
  }

  /** How many times the stream had to connect again. */
  public int reconnects() {
    return reconnects.get();
  }

  @Override
  public synchronized void close() {
    closed = true;
    streams.forEach(EventStream::close);
  }
}
