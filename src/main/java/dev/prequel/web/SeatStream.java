package dev.prequel.web;

import dev.prequel.seat.Seat;
import io.javalin.http.sse.SseClient;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seat's change events ({@code /interviews/{id}/seat/events}): while a stream is open the
 * interview's workspace is watched ({@link Seat#watch}), and each look that changed something goes
 * out as {@code event: seat} with the seat's version, which the page answers by fetching the seat
 * again; quiet looks send a comment now and then, which reveals an interviewer who went away.
 *
 * <p>Written as the live-events stream writes ({@link SseSubscriber}): never blocking the seat's
 * looker, and never touching a request Jetty has ended. Javalin is parked on {@link
 * SseSubscriber.Parked} rather than {@link SseClient#keepAlive}, whose {@link SseClient#close} from
 * another thread, once Jetty had ended the request, set Javalin's error handling looping (millions
 * of log lines). Ending a stream also ends its watch, exactly once.
 */
final class SeatStream {

  private static final Logger log = LoggerFactory.getLogger(SeatStream.class);

  /** Seat streams open at most, over all interviews (each is a connection and a watcher). */
  static final int MAX_STREAMS = 500;

  /**
   * Frames a stream may fall behind by before it is dropped (its page's EventSource reconnects).
   */
  static final int QUEUE = 64;

  /** Quiet looks between two comments: with a look every 2 s, one comment every 10 s. */
  private static final int QUIET_LOOKS = 5;

  private static final SseFrame WATCHING = SseFrame.comment("watching");
  private static final SseFrame KEEP_ALIVE = SseFrame.comment("keep-alive");

  /** Where streams start watching a workspace: {@link Seat#watch}. */
  @FunctionalInterface
  interface Watches {
    Seat.Watch watch(String interviewId, Seat.Watcher watcher);
  }

  private final Watches seat;
  private final AtomicInteger streams = new AtomicInteger();

  /** Ends dropped streams' requests: Jetty's completion work must not hold up the seat's looker. */
  private final ExecutorService chores =
      new ThreadPoolExecutor(
          0, // no thread kept while no stream ends: a portal started in tests leaves none behind
          1,
          30,
          TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, "prequel-seat-sse");
            t.setDaemon(true);
            return t;
          });

  SeatStream(Watches seat) {
    this.seat = seat;
  }

  void connect(SseClient client) {
    String id = client.ctx().pathParam("id");
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      log.warn("refusing a seat stream: {} are open already", MAX_STREAMS);
      client.close(); // nothing parked: Javalin ends the request as this handler returns
      return;
    }
    Watcher watcher = new Watcher();
    SseSubscriber s = new SseSubscriber(client, QUEUE, -1, watcher::drop);
    watcher.subscriber = s;
    EndPoint connection = LiveStream.endPoint(client);
    var unused = s.deliver(List.of(WATCHING));
    watcher.watch = seat.watch(id, watcher::looked);
    if (watcher.dropped) {
      watcher.watch.close(); // dropped by a look before it had its watch (closing twice is fine)
    }
    // Writing starts once Javalin is parked, so that nothing ends the request meanwhile.
    client.ctx().future(() -> new SseSubscriber.Parked(() -> watcher.start(connection)));
  }

  /** Open seat streams (for tests). */
  int clientCount() {
    return streams.get();
  }

  void stop() {
    chores.shutdownNow();
  }

  /** One stream's place at the seat: what it sends after each look, and how it ends. */
  private final class Watcher {
    volatile SseSubscriber subscriber;
    volatile Seat.Watch watch;
    private volatile boolean dropped;
    private int quiet; // only the seat's looker touches it

    void start(EndPoint connection) {
      try {
        subscriber.listen(connection);
      } catch (IOException | RuntimeException e) {
        drop(subscriber, "could not start writing: " + e, false);
      }
    }

    /** On the seat's looker: queues a frame, never waits for the interviewer's socket. */
    void looked(long version, boolean changed) {
      SseFrame frame;
      if (changed) {
        frame = SseFrame.event("seat", version, Long.toString(version));
      } else if (++quiet % QUIET_LOOKS == 0) {
        frame = KEEP_ALIVE;
      } else {
        return;
      }
      if (!subscriber.deliver(List.of(frame))) {
        drop(subscriber, "it fell " + QUEUE + " frames behind", false);
      }
    }

    /**
     * Ends the stream once, whoever notices first (a write, Jetty, the looker): leaves the seat,
     * then completes the request, at once on a Jetty callback ({@code now}), else off the looker.
     */
    void drop(SseSubscriber s, String why, boolean now) {
      if (!s.markDropped()) {
        return;
      }
      dropped = true;
      streams.decrementAndGet();
      Seat.Watch w = watch;
      if (w != null) {
        w.close(); // else connect() closes it once it has it (see there)
      }
      log.debug("dropping a seat stream: {}", why);
      if (now) {
        s.finish();
        return;
      }
      try {
        chores.execute(s::finish);
      } catch (RejectedExecutionException stopping) {
        s.finish();
      }
    }
  }
}
