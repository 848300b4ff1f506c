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
    long lastSeen = lastEventId(client);
    SseSubscriber s = new SseSubscriber(client, queueSize, lastSeen, this::drop);
    client.onClose(() -> clients.remove(s));
    if (clients.size() >= MAX_CLIENTS) {
      log.warn("refusing a live-events client: {} are connected already", MAX_CLIENTS);
      client.close();
      return;
    }
    client.keepAlive();
    limitSendBuffer(client);
    var unused = s.deliver(List.of(CONNECTED));
    // Registered before the history is read: an event is kept before it is published, so one
    // the fan-out did not give this client is in the history, and one it gave both is skipped.
    clients.add(s);
    try {
      s.listen();
    } catch (IOException | RuntimeException e) {
      drop(s, "could not start writing: " + e);
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
              drop(s, "could not read the events it missed: " + e);
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
            drop(s, "it fell " + queueSize + " events behind");
          }
        } catch (RuntimeException e) {
          drop(s, e.toString());
        }
      }
    }
  }

  /**
   * Caps what the kernel holds for a client that stopped reading. Left to itself Linux grows a
   * connection's send buffer up to 4 MiB, several thousand events, before a write blocks; a client
   * that stopped reading would then be noticed, and dropped, only after as many events more.
   */
  private static void limitSendBuffer(SseClient client) {
    try {
      var request =
          org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(
              client.ctx().req());
      if (request != null
          && request.getConnectionMetaData().getConnection().getEndPoint().getTransport()
              instanceof java.nio.channels.SocketChannel channel) {
        channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
      }
    } catch (java.io.IOException | RuntimeException e) {
      log.debug("could not cap a live-events send buffer: {}", e.toString());
    }
  }

  /**
   * Forgets a client and closes its connection, which also ends a write pending for it (a client
   * that stopped reading would otherwise keep its buffers until the idle timeout).
   */
  private void drop(SseSubscriber s, String why) {
    if (!s.markDropped()) {
      return;
    }
    clients.remove(s);
    log.debug("dropping live-events client: {}", why);
    try {
      chores.execute(() -> close(s));
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      close(s);
    }
  }

  private static void close(SseSubscriber s) {
    try {
      var request =
          org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(
              s.client.ctx().req());
      if (request != null) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
      }
    } catch (RuntimeException e) {
      log.debug("closing a live-events connection: {}", e.toString());
    }
    try {
      s.client.close();
    } catch (RuntimeException e) {
      log.debug("closing a live-events client: {}", e.toString());
    }
  }

  /** Stops the fan-out (at server stop). */
  void stop() {
    fanOut.interrupt();
    chores.shutdownNow();
  }
}
