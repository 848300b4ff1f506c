package dev.prequel.web;

import dev.prequel.interview.InterviewEvent;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events: every recorded change of an interview goes to every connected client as
 * {@code event: interview} with the interview's JSON and the event's {@code id:}. A client that
 * reconnects with {@code Last-Event-ID} (browsers' EventSource does) first gets the events it
 * missed that are still kept, then the live ones; each client gets each event once, in id order.
 *
 * <p>Publishing encodes an event once and hands it to one fan-out thread, which puts the same bytes
 * in every client's bounded queue and writes what each socket takes without blocking ({@link
 * SseSubscriber}); Jetty calls back when a full socket drains. No thread waits on a client, so a
 * client that stops reading holds up nobody else; once its queue is full it is dropped (its
 * connection closed). The one fan-out keeps events in the order they happened, for every client
 * alike, and events that arrive together go out to each client in one write.
 */
final class LiveStream {

  private static final Logger log = LoggerFactory.getLogger(LiveStream.class);

  /** Events a client may fall behind by before it is dropped. */
  static final int QUEUE = 1024;

  /** Bytes the kernel may hold for one client: about a hundred events. */
  static final int SEND_BUFFER = 64 * 1024;

  /** Clients at most (each is a connection with its queue). */
  static final int MAX_CLIENTS = 2000;

  /** Missed events a reconnecting client gets at most (more: it reloads what it shows anyway). */
  static final int CATCH_UP = 1000;

  /** Frames the fan-out takes at once: events that came together go out together. */
  private static final int FAN_OUT_BATCH = 64;

  private static final SseFrame CONNECTED = SseFrame.comment("connected");
  private static final SseFrame KEEP_ALIVE = SseFrame.comment("keep-alive");

  /** The events kept after an id, oldest first: where a reconnecting client catches up. */
  interface History {
    List<InterviewEvent> since(long afterId, int limit);
  }

  private final Set<SseSubscriber> clients = ConcurrentHashMap.newKeySet();
  private final PublicUrls urls;
  private final History history;
  private final int queueSize;
  private final BlockingQueue<SseFrame> outbox = new LinkedBlockingQueue<>();
  private final Thread fanOut;

  /**
   * Reads the history for reconnecting clients and closes dropped ones: neither a database query
   * nor the end of a request (Javalin's and Jetty's completion work) may hold up the fan-out.
   */
  private final ExecutorService chores =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "prequel-sse-chores");
            t.setDaemon(true);
            return t;
          });

  LiveStream(PublicUrls urls, History history) {
    this(urls, history, QUEUE);
  }

  LiveStream(PublicUrls urls, History history, int queueSize) {
    this.urls = urls;
    this.history = history;
    this.queueSize = queueSize;
    this.fanOut = new Thread(this::fanOut, "prequel-sse-fan-out");
    fanOut.setDaemon(true);
    fanOut.start();
  }

  void connect(SseClient client) {
    if (clients.size() >= MAX_CLIENTS) {
      log.warn("refusing a live-events client: {} are connected already", MAX_CLIENTS);
      client.close(); // nothing parked: Javalin ends the request as this handler returns
      return;
    }
    long lastSeen = lastEventId(client);
    SseSubscriber s = new SseSubscriber(client, queueSize, lastSeen, this::drop);
    EndPoint connection = endPoint(client);
    limitSendBuffer(connection);
    var unused = s.deliver(List.of(CONNECTED));
    // Registered before the history is read: an event is kept before it is published, so one
    // the fan-out did not give this client is in the history, and one it gave both is skipped.
    clients.add(s);
    // Javalin parks the request on this future, never completed (instead of SseClient.keepAlive,
    // whose close would resume Javalin's pipeline: see SseSubscriber). Writing starts once it is
    // parked, so that nothing ends the request while Javalin is still handling it.
    client.ctx().future(() -> new SseSubscriber.Parked(() -> start(s, connection, lastSeen)));
  }

  private void start(SseSubscriber s, EndPoint connection, long lastSeen) {
    try {
      s.listen(connection);
    } catch (IOException | RuntimeException e) {
      drop(s, "could not start writing: " + e, false);
      return;
    }
    if (lastSeen >= 0) {
      chores.execute(
          () -> {
            try {
              List<SseFrame> missed = new ArrayList<>();
              for (InterviewEvent e : history.since(lastSeen, CATCH_UP)) {
                missed.add(frame(e));
              }
              s.catchUp(missed);
            } catch (RuntimeException e) {
              drop(s, "could not read the events it missed: " + e, false);
            }
          });
    }
  }

  /** The {@code Last-Event-ID} a reconnecting EventSource sends; -1 when none (or not ours). */
  private static long lastEventId(SseClient client) {
    String header = client.ctx().header("Last-Event-ID");
    if (header == null) {
      return -1;
    }
    try {
      return Math.max(-1, Long.parseLong(header.strip()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private SseFrame frame(InterviewEvent e) {
    return SseFrame.event("interview", e.id(), Json.write(InterviewJson.of(e.interview(), urls)));
  }

  int clientCount() {
    return clients.size();
  }

  /** Never waits: the event is encoded here, once, and written by the fan-out. */
  void publish(InterviewEvent event) {
    outbox.add(frame(event));
  }

  /**
   * A comment now and then lets proxies keep the stream open and reveals clients that went away.
   */
  void heartbeat() {
    outbox.add(KEEP_ALIVE);
  }

  private void fanOut() {
    List<SseFrame> batch = new ArrayList<>();
    while (!Thread.currentThread().isInterrupted()) {
      batch.clear();
      try {
        batch.add(outbox.take());
      } catch (InterruptedException e) {
        return; // stopped
      }
      outbox.drainTo(batch, FAN_OUT_BATCH - 1);
      List<SseFrame> frames = List.copyOf(batch);
      for (SseSubscriber s : clients) {
        try {
          if (!s.deliver(frames)) {
            drop(s, "it fell " + queueSize + " events behind", false);
          }
        } catch (RuntimeException e) {
          drop(s, e.toString(), false);
        }
      }
    }
  }

  /** The client's connection, read while its request is being handled; null when unknown. */
  static EndPoint endPoint(SseClient client) {
    try {
      var request = ServletContextRequest.getServletContextRequest(client.ctx().req());
      return request == null ? null : request.getConnectionMetaData().getConnection().getEndPoint();
    } catch (RuntimeException e) {
      log.debug("no connection for a live-events client: {}", e.toString());
      return null;
    }
  }

  /**
   * Caps what the kernel holds for a client that stopped reading. Left to itself Linux grows a
   * connection's send buffer up to 4 MiB, several thousand events, before a write blocks; a client
   * that stopped reading would then be noticed, and dropped, only after as many events more.
   */
  private static void limitSendBuffer(EndPoint connection) {
    try {
      if (connection != null
          && connection.getTransport() instanceof java.nio.channels.SocketChannel channel) {
        channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("could not cap a live-events send buffer: {}", e.toString());
    }
  }

  /**
   * Forgets a client and ends its request, once, whoever notices first (the fan-out, a write, or
   * Jetty). {@code now}: on this thread (a Jetty callback, where the request is alive); otherwise
   * off the fan-out, since ending a request is Jetty's work and may take a while.
   */
  private void drop(SseSubscriber s, String why, boolean now) {
    if (!s.markDropped()) {
      return;
    }
    clients.remove(s);
    log.debug("dropping live-events client: {}", why);
    if (now) {
      s.finish();
      return;
    }
    try {
      chores.execute(s::finish);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      s.finish();
    }
  }

  /** Stops the fan-out (at server stop). */
  void stop() {
    fanOut.interrupt();
    chores.shutdownNow();
  }
}
