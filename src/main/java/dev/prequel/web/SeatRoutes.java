package dev.prequel.web;

import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.seat.Seat;
import dev.prequel.seat.SeatView;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The interviewer's live seat (issue 17, 3): {@code /interviews/{id}/seat} in the portal, its
 * fragment {@code .../seat/view} that the page fetches again on each change, the change events
 * {@code .../seat/events} (SSE; a workspace is looked at only while such a stream is open), and
 * {@code GET /api/v1/interviews/{id}/seat} in the API. All of them are behind the {@link Gate} like
 * every portal page: a candidate's workspace cookie is no session, and on a workspace's host every
 * path goes to its code-server.
 */
final class SeatRoutes {

  /** Seat streams open at most, over all interviews (each is a connection and a watcher). */
  static final int MAX_STREAMS = 500;

  private final Seat seat;
  private final Interviews interviews;
  private final Pages pages;
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicInteger writerNo = new AtomicInteger();
  private final ExecutorService writers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "prequel-seat-sse-" + writerNo.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  SeatRoutes(Seat seat, Interviews interviews, Pages pages) {
    this.seat = seat;
    this.interviews = interviews;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/interviews/{id}/seat",
        ctx -> {
          Interview i = interviews.get(ctx.pathParam("id"));
          ApiRoutes.json(ctx, 200, seat.view(i.id(), ctx.queryParam("file")));
        });
    r.get("/interviews/{id}/seat", ctx -> render(ctx, "seat.jte"));
    r.get("/interviews/{id}/seat/view", ctx -> render(ctx, "seatview.jte"));
    // An unknown interview is a 404 before the stream's headers go out.
    r.before("/interviews/{id}/seat/events", ctx -> interviews.get(ctx.pathParam("id")));
    r.sse("/interviews/{id}/seat/events", this::stream);
  }

  private void render(Context ctx, String template) {
    Interview i = interviews.get(ctx.pathParam("id"));
    String file = ctx.queryParam("file");
    SeatView view = seat.view(i.id(), file == null || file.isBlank() ? null : file);
    pages.render(
        ctx,
        200,
        template,
        new SeatModels.Page(
            i.id(),
            i.candidateName(),
            i.status().wireName(),
            view,
            SnapshotRoutes.diffView(view.changes())));
  }

  private void stream(SseClient client) {
    String id = client.ctx().pathParam("id");
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      client.close();
      return;
    }
    client.keepAlive();
    Sender sender = new Sender(client);
    Seat.Watch watch = seat.watch(id, sender::looked);
    sender.watch = watch;
    client.onClose(
        () -> {
          if (sender.closed.compareAndSet(false, true)) {
            streams.decrementAndGet();
            watch.close();
          }
        });
    client.sendComment("watching");
  }

  /**
   * Sends one client the seat's changes without ever holding up the seat's looker: a write runs on
   * a writer of its own, and changes that arrive meanwhile are sent once it is done (only the
   * latest version matters). Quiet looks send a comment now and then, which reveals a client that
   * went away, and so ends its watch.
   */
  private final class Sender {
    final SseClient client;
    final AtomicBoolean busy = new AtomicBoolean();
    final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean dirty;
    volatile long latest;
    volatile Seat.Watch watch;
    int quiet;

    Sender(SseClient client) {
      this.client = client;
    }

    void looked(long version, boolean changed) {
      latest = version;
      if (changed) {
        dirty = true;
      } else if (!dirty && ++quiet % 5 != 0) {
        return;
      }
      if (busy.compareAndSet(false, true)) {
        writers.execute(this::drain);
      }
    }

    private void drain() {
      try {
        if (!dirty) {
          client.sendComment("keep-alive");
        }
        while (dirty && !client.terminated()) {
          dirty = false;
          client.sendEvent("seat", Long.toString(latest));
        }
      } catch (RuntimeException e) {
        client.close();
      } finally {
        busy.set(false);
      }
      if (client.terminated() && closed.compareAndSet(false, true)) {
        streams.decrementAndGet();
        if (watch != null) {
          watch.close();
        }
      }
    }
  }
}
