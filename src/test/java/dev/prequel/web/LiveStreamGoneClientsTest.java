package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.interview.Interview;
import dev.prequel.interview.LocalEventChannel;
import dev.prequel.interview.Status;
import dev.prequel.testing.EventStream;
import dev.prequel.testing.LogStorm;
import io.javalin.Javalin;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Live-events clients that go away (a closed tab, a dropped network) while events flow: Jetty ends
 * their requests on its own, and nothing may touch such a request afterwards. Doing so once set
 * Javalin's error handling looping on a recycled request, millions of log lines in minutes.
 *
 * <p>Isolated: the warnings counted are the whole JVM's, so no other class may log meanwhile.
 */
@Isolated
class LiveStreamGoneClientsTest {

  private static final int CLIENTS = 120;
  private static final int WAVE = 20;

  private final LocalEventChannel channel = new LocalEventChannel(1);
  private final LiveStream live =
      new LiveStream(new PublicUrls("http", "localhost", 8080), channel::since, 64);
  private final ExecutorService publisher = Executors.newSingleThreadExecutor();
  private LogStorm warnings;
  private Javalin app;

  @BeforeEach
  void start() {
    warnings = LogStorm.watch();
    channel.start(live::publish);
    app =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.routes.sse("/events", live::connect);
                })
            .start("127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    publisher.shutdownNow();
    app.stop();
    live.stop();
    warnings.close();
  }

  @Test
  void clientsThatGoAwayAbruptlyWhileEventsFlowCauseNoErrorStormAndTheOthersGetEveryEvent()
      throws Exception {
    try (EventStream reader =
        new EventStream(URI.create("http://127.0.0.1:" + app.port() + "/events"))) {
      await().until(reader::connected);

      // given events that keep coming
      AtomicBoolean publishing = new AtomicBoolean(true);
      AtomicInteger published = new AtomicInteger();
      Future<?> events =
          publisher.submit(
              () -> {
                while (publishing.get()) {
                  int n = published.getAndIncrement();
                  channel.publish(interview("gc" + n));
                  if (n % 8 == 0) {
                    await().until(() -> reader.events.size() > n - 64);
                  }
                }
              });

      // when clients connect in waves and go away abruptly (a reset, as a killed browser)
      for (int wave = 0; wave < CLIENTS / WAVE; wave++) {
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
          clients.add(LogStorm.sseClient(app.port(), "/events", ": connected"));
        }
        for (Socket s : clients) {
          s.setSoLinger(true, 0);
          s.close();
        }
      }
      // and events keep coming until every gone client is forgotten
      await().atMost(Duration.ofSeconds(30)).until(() -> live.clientCount() == 1);
      publishing.set(false);
      events.get();

      // then the client that stayed got every event, in order, each once
      int total = published.get();
      await().atMost(Duration.ofSeconds(15)).until(() -> reader.events.size() == total);
      assertThat(reader.events.get(total - 1).get("id").asText()).isEqualTo("gc" + (total - 1));
      assertThat(reader.ids.stream().map(Long::parseLong)).isSorted().doesNotHaveDuplicates();
    }
    // and the log holds no storm (a gone client is worth a debug line, not warnings), and nothing
    // keeps logging once they are gone
    warnings.assertNone(() -> channel.publish(interview("gclast")));
  }

  @Test
  void clientsWhoseRequestsTheServerEndedAreForgottenWithoutAnErrorStorm() throws Exception {
    // given clients that read, and events they all got
    URI uri = URI.create("http://127.0.0.1:" + app.port() + "/events");
    List<EventStream> clients = new ArrayList<>();
    try {
      for (int i = 0; i < WAVE; i++) {
        clients.add(new EventStream(uri));
      }
      await().until(() -> clients.stream().allMatch(EventStream::connected));
      for (int n = 0; n < 40; n++) {
        channel.publish(interview("gs" + n));
      }
      await().until(() -> clients.stream().allMatch(c -> c.events.size() == 40));

      // when Jetty ends their requests on its own (the server stops) while events keep coming
      app.stop();
      for (int n = 40; n < 2000; n++) {
        channel.publish(interview("gs" + n));
        live.heartbeat();
      }

      // then they are forgotten
      await().atMost(Duration.ofSeconds(10)).until(() -> live.clientCount() == 0);
    } finally {
      clients.forEach(EventStream::close);
    }
    // and the log holds no storm, and nothing keeps logging
    warnings.assertNone(() -> {});
  }

  private static Interview interview(String id) {
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    return new Interview(
        id,
        "Ada",
        "sql-sales-report",
        Status.ACTIVE,
        "pw",
        null,
        t,
        t.plusSeconds(3600),
        t,
        t,
        null);
  }
}
