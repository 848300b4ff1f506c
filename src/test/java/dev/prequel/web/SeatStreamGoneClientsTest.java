package dev.prequel.web;

import static org.awaitility.Awaitility.await;

import dev.prequel.seat.Seat;
import dev.prequel.testing.LogStorm;
import io.javalin.Javalin;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Seat streams whose interviewers go away (a closed tab, a dropped network) while the seat keeps
 * looking: Jetty ends their requests on its own, and nothing may touch such a request afterwards
 * (the live-events stream once logged millions of lines doing so, see {@link SseSubscriber}); and
 * each gone stream stops its watch, so an unwatched workspace is no longer looked at.
 *
 * <p>Isolated: the warnings counted are the whole JVM's, so no other class may log meanwhile.
 */
@Isolated
class SeatStreamGoneClientsTest {

  private static final int CLIENTS = 120;
  private static final int WAVE = 20;
  private static final String PATH = "/interviews/ssg-1/seat/events";

  /** The seat's side: who watches, and a looker that tells them of each look. */
  private final Set<Seat.Watcher> watchers = ConcurrentHashMap.newKeySet();

  private final AtomicInteger openWatches = new AtomicInteger();
  private final SeatStream stream = new SeatStream(this::watch);
  private final ExecutorService looker = Executors.newSingleThreadExecutor();
  private LogStorm warnings;
  private Javalin app;

  @BeforeEach
  void start() {
    warnings = LogStorm.watch();
    app =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.routes.sse("/interviews/{id}/seat/events", stream::connect);
                })
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    looker.shutdownNow();
    app.stop();
    stream.stop();
    warnings.close();
  }

  private Seat.Watch watch(String interviewId, Seat.Watcher watcher) {
    watchers.add(watcher);
    openWatches.incrementAndGet();
    AtomicBoolean closed = new AtomicBoolean();
    return () -> {
      if (closed.compareAndSet(false, true)) {
        watchers.remove(watcher);
        openWatches.decrementAndGet();
      }
    };
  }

  private void look(long version) {
    for (Seat.Watcher w : watchers) {
      w.looked(version, true);
    }
  }

  @Test
  void interviewersThatGoAwayAbruptlyCauseNoErrorStormEndTheirWatchAndTheOtherSeesEveryChange()
      throws Exception {
    try (SeatEvents reader = new SeatEvents(URI.create("http://127.0.0.1:" + app.port() + PATH))) {
      await().until(reader::connected);

      // given a seat that keeps finding changes (much faster than its every two seconds)
      AtomicBoolean looking = new AtomicBoolean(true);
      AtomicLong version = new AtomicLong();
      Future<?> looks =
          looker.submit(
              () -> {
                while (looking.get()) {
                  long v = version.incrementAndGet();
                  look(v);
                  if (v % 8 == 0) {
                    await().until(() -> reader.last.get() >= v - 16);
                  }
                }
              });

      // when interviewers open the seat in waves and go away abruptly (a reset, as a killed tab)
      for (int wave = 0; wave < CLIENTS / WAVE; wave++) {
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
          clients.add(LogStorm.sseClient(app.port(), PATH, ": watching"));
        }
        for (Socket s : clients) {
          s.setSoLinger(true, 0);
          s.close();
        }
      }

      // then every gone stream is forgotten and its watch ended, while the seat keeps looking
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> stream.clientCount() == 1 && openWatches.get() == 1);
      looking.set(false);
      looks.get();
      // and the interviewer who stayed saw the latest change
      await().atMost(Duration.ofSeconds(15)).until(() -> reader.last.get() == version.get());
    }
    // and the log holds no storm, and nothing keeps logging once they are gone
    warnings.assertNone(() -> look(Long.MAX_VALUE));
  }

  @Test
  void streamsWhoseRequestsTheServerEndedAreForgottenWithTheirWatchesWithoutAnErrorStorm()
      throws Exception {
    // given interviewers watching, who all saw a change
    URI uri = URI.create("http://127.0.0.1:" + app.port() + PATH);
    List<SeatEvents> clients = new ArrayList<>();
    try {
      for (int i = 0; i < WAVE; i++) {
        clients.add(new SeatEvents(uri));
      }
      await().until(() -> clients.stream().allMatch(SeatEvents::connected));
      look(1);
      await().until(() -> clients.stream().allMatch(c -> c.last.get() == 1));

      // when Jetty ends their requests on its own (the server stops) while the seat keeps looking
      app.stop();
      for (long v = 2; v < 2000; v++) {
        look(v);
      }

      // then they are forgotten, and so are their watches
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> stream.clientCount() == 0 && openWatches.get() == 0);
    } finally {
      clients.forEach(SeatEvents::close);
    }
    // and the log holds no storm, and nothing keeps logging
    warnings.assertNone(() -> {});
  }

  /** An interviewer's page: the version of the last {@code seat} event it got. */
  private static final class SeatEvents implements AutoCloseable {
    final AtomicLong last = new AtomicLong();
    private volatile boolean connected;
    private final CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response;

    SeatEvents(URI uri) {
      HttpRequest request =
          HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build();
      response = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines());
      var unused =
          response.thenAcceptAsync(
              r ->
                  r.body()
                      .forEach(
                          line -> {
                            if (line.startsWith(":")) {
                              connected = true;
                            } else if (line.startsWith("data:")) {
                              last.set(Long.parseLong(line.substring(5).strip()));
                            }
                          }));
    }

    boolean connected() {
      return connected;
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
}
