package dev.prequel.web;

import dev.prequel.interview.InterviewEvent;
import io.javalin.http.sse.SseClient;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events: every recorded change of an interview goes to every connected client as
 * {@code event: interview} with the interview's JSON and the event's {@code id:}. A client that
 * reconnects with {@code Last-Event-ID} (browsers' EventSource does) first gets the events it
 * missed that are still kept, then the live ones; each client gets each event once, in id order.
 *
 * <p>Each client has a bounded queue of its own, drained by a writer task of its own: publishing
 * only adds to the queues, so a client that stops reading holds up nobody else. Once its queue is
 * full it is dropped (its connection closed). One lock over publishing keeps events in the order
 * they happened, for every client alike.
 */
final class LiveStream {

  private static final Logger log = LoggerFactory.getLogger(LiveStream.class);

  /** Events a client may fall behind by before it is dropped. */
  static final int QUEUE = 1024;

  /** Bytes the kernel may hold for one client: about a hundred events. */
  static final int SEND_BUFFER = 64 * 1024;

  /** Clients at most (each is a connection; a stalled one also holds a writer thread). */
  static final int MAX_CLIENTS = 2000;

  /** Missed events a reconnecting client gets at most (more: it reloads what it shows anyway). */
  static final int CATCH_UP = 1000;

  /** The events kept after an id, oldest first: where a reconnecting client catches up. */
  interface History {
    List<InterviewEvent> since(long afterId, int limit);
  }

  private final Set<Subscriber> clients = ConcurrentHashMap.newKeySet();
  private final PublicUrls urls;
  private final History history;
  private final int queueSize;
  private final AtomicInteger writerNo = new AtomicInteger();
  private final ExecutorService writers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "prequel-sse-" + writerNo.incrementAndGet());
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
  }

  /** One connected client: its queue, and whether a writer is draining it. */
  private final class Subscriber {
    final SseClient client;
    final Queue<Runnable> queue = new ArrayBlockingQueue<>(queueSize);
    final AtomicBoolean draining = new AtomicBoolean();
    final AtomicBoolean dropped = new AtomicBoolean();

    /** The last event id sent; written and read by the one writer draining the queue. */
    volatile long sent;

    Subscriber(SseClient client) {
      this.client = client;
    }

    /** Queues a write; false when the queue is full (the client stopped reading). */
    boolean offer(Runnable write) {
      if (!queue.offer(write)) {
        return false;
      }
      if (draining.compareAndSet(false, true)) {
        writers.execute(this::drain);
      }
      return true;
    }

    private void drain() {
      while (true) {
        Runnable next;
        while ((next = queue.poll()) != null && !dropped.get()) {
          try {
            next.run();
          } catch (RuntimeException e) {
            drop(this, e.toString());
            return;
          }
          if (client.terminated()) {
            drop(this, "closed by the client");
            return;
          }
        }
        draining.set(false);
        // A write queued after the last poll but before the flag was cleared: take it on.
        if (queue.isEmpty() || dropped.get() || !draining.compareAndSet(false, true)) {
          return;
        }
      }
    }
  }

  /**
   * Synchronized with {@link #publish}: the catch-up is queued before any live event, and live
   * events it already sent are skipped by id.
   */
  synchronized void connect(SseClient client) {
    Subscriber s = new Subscriber(client);
    client.onClose(() -> clients.remove(s));
    if (clients.size() >= MAX_CLIENTS) {
      log.warn("refusing a live-events client: {} are connected already", MAX_CLIENTS);
      client.close();
      return;
    }
    client.keepAlive();
    limitSendBuffer(client);
    clients.add(s);
    s.offer(() -> client.sendComment("connected"));
    long lastSeen = lastEventId(client);
    if (lastSeen >= 0) {
      s.offer(
          () -> {
            s.sent = lastSeen;
            for (InterviewEvent e : history.since(lastSeen, CATCH_UP)) {
              send(s, e, Json.write(InterviewJson.of(e.interview(), urls)));
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

  private static void send(Subscriber s, InterviewEvent e, String data) {
    if (e.id() <= s.sent) {
      return; // the catch-up sent it already
    }
    s.client.sendEvent("interview", data, Long.toString(e.id()));
    s.sent = e.id();
  }

  int clientCount() {
    return clients.size();
  }

  synchronized void publish(InterviewEvent event) {
    String data = Json.write(InterviewJson.of(event.interview(), urls));
    for (Subscriber s : clients) {
      if (!s.offer(() -> send(s, event, data))) {
        drop(s, "it fell " + queueSize + " events behind");
      }
    }
  }

  /**
   * A comment now and then lets proxies keep the stream open and reveals clients that went away.
   */
  synchronized void heartbeat() {
    for (Subscriber s : clients) {
      if (s.client.terminated()) {
        drop(s, "closed by the client");
      } else if (!s.offer(() -> s.client.sendComment("keep-alive"))) {
        drop(s, "it fell " + queueSize + " events behind");
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
   * Forgets a client and closes its connection, which also ends a write it is blocked in (a client
   * that stopped reading would otherwise hold its writer until the idle timeout).
   */
  private void drop(Subscriber s, String why) {
    if (!s.dropped.compareAndSet(false, true)) {
      return;
    }
    clients.remove(s);
    s.queue.clear();
    log.debug("dropping live-events client: {}", why);
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

  /** Stops the writers (at server stop). */
  void stop() {
    writers.shutdownNow();
  }
}
