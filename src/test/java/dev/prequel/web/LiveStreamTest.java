package dev.prequel.web;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.interview.Interview;
import dev.prequel.interview.LocalEventChannel;
import dev.prequel.interview.Status;
import dev.prequel.testing.EventStream;
import io.javalin.Javalin;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Live events over real HTTP: one client that stops reading must not hold up the others.
 *
 * <p>Isolated: one test counts the JVM's threads, which other classes running beside it would add.
 */
@Isolated
class LiveStreamTest {

  private static final int QUEUE = 64;
  private static final int BURST = 32;
  private static final int EVENTS = 320;

  private final LocalEventChannel channel = new LocalEventChannel(1);
  private final LiveStream live =
      new LiveStream(new PublicUrls("http", "localhost", 8080), channel::since, QUEUE);
  private final ExecutorService publisher = Executors.newSingleThreadExecutor();
  private Javalin app;

  @BeforeEach
  void start() {
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
  }

  @Test
  void aClientThatStopsReadingIsDroppedWhileTheOthersGetEveryEventPromptly() throws Exception {
    // given a client that stopped reading (small receive buffer, never reads) and one that reads
    try (Socket stalled = new Socket();
        EventStream reader =
            new EventStream(URI.create("http://127.0.0.1:" + app.port() + "/events"))) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), app.port()));
      stalled
          .getOutputStream()
          .write(
              "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                  .getBytes(US_ASCII));
      await().until(() -> live.clientCount() == 2 && reader.connected());

      // when more events are published than fit in the stalled client's buffers and queue, in
      // bursts smaller than a queue (a client that reads keeps up with those)
      String name = "x".repeat(64 * 1024); // ~20 MB in all: far beyond the kernel's buffers
      for (int burst = 0; burst < EVENTS / BURST; burst++) {
        int first = burst * BURST;
        Future<?> publishing =
            publisher.submit(
                () -> {
                  for (int n = first; n < first + BURST; n++) {
                    channel.publish(interview("ls" + n, name));
                  }
                });
        // then the reader gets each burst long before a write to the stalled client could time
        // out (30 s); publishing never waits for the stalled client
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> publishing.isDone() && reader.events.size() == first + BURST);
      }
      assertThat(reader.events.get(EVENTS - 1).get("id").asText()).isEqualTo("ls" + (EVENTS - 1));
      // and the stalled client is dropped: forgotten, and its connection closed
      await().atMost(Duration.ofSeconds(15)).until(() -> live.clientCount() == 1);
      stalled.setSoTimeout(15_000);
      InputStream in = stalled.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      long read = 0;
      for (int n; (n = readOrEnd(in, buffer)) >= 0; ) {
        read += n;
      }
      assertThat(read).as("bytes the stalled client had been sent").isLessThan(EVENTS * 65536L);

      // and later events still reach the reader
      channel.publish(interview("lslast", "after"));
      await().atMost(Duration.ofSeconds(15)).until(() -> reader.events.size() == EVENTS + 1);
    }
  }

  @Test
  void aClientThatReconnectsWithTheLastEventIdItSawGetsWhatItMissedOnceAndInOrder()
      throws Exception {
    URI events = URI.create("http://127.0.0.1:" + app.port() + "/events");
    String lastSeen;
    // given a client that saw two events, then went away
    try (EventStream first = new EventStream(events)) {
      await().until(first::connected);
      channel.publish(interview("lsa", "one"));
      channel.publish(interview("lsb", "two"));
      await().until(() -> first.events.size() == 2);
      lastSeen = first.lastId();
    }
    // when three more are raised while it is away, and it reconnects with the last id it saw
    channel.publish(interview("lsc", "three"));
    channel.publish(interview("lsd", "four"));
    try (EventStream again = new EventStream(events, lastSeen)) {
      await().until(() -> again.events.size() == 2);
      channel.publish(interview("lse", "five"));
      // then it gets the two it missed, then the live one, each once, with increasing ids
      await().until(() -> again.events.size() == 3);
      assertThat(again.events.stream().map(e -> e.get("id").asText()))
          .containsExactly("lsc", "lsd", "lse");
      assertThat(again.ids.stream().map(Long::parseLong)).isSorted().doesNotHaveDuplicates();
      assertThat(Long.parseLong(again.ids.get(0))).isGreaterThan(Long.parseLong(lastSeen));
    }
  }

  @Test
  void aClientThatStopsReadingIsDroppedAfterAFewHundredEventsOfEverydaySize() throws Exception {
    // given a client that stopped reading and one that reads
    try (Socket stalled = new Socket();
        EventStream reader =
            new EventStream(URI.create("http://127.0.0.1:" + app.port() + "/events"))) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), app.port()));
      stalled
          .getOutputStream()
          .write(
              "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                  .getBytes(US_ASCII));
      await().until(() -> live.clientCount() == 2 && reader.connected());

      // when events of an interview's everyday size (under 1 KB) keep coming
      int events = 0;
      while (live.clientCount() == 2 && events < 2000) {
        int first = events;
        Future<?> publishing =
            publisher.submit(
                () -> {
                  for (int n = first; n < first + BURST; n++) {
                    channel.publish(interview("ev" + n, "Ada"));
                  }
                });
        events += BURST;
        int sent = events;
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> publishing.isDone() && reader.events.size() == sent);
      }

      // then it is dropped once its queue and a small send buffer are full (the kernel alone
      // would otherwise hold thousands of such events for it), and the reader has them all
      assertThat(live.clientCount()).isEqualTo(1);
      assertThat(events).isLessThan(QUEUE + LiveStream.SEND_BUFFER / 100 + 4 * BURST);
      assertThat(reader.events.get(events - 1).get("id").asText()).isEqualTo("ev" + (events - 1));
    }
  }

  @Test
  void manyClientsThatStopReadingHoldNoThreadAndAreAllDroppedWhileAReaderKeepsUp()
      throws Exception {
    // given a reader and 40 clients that stopped reading
    java.util.List<Socket> stalled = new java.util.ArrayList<>();
    try (EventStream reader =
        new EventStream(URI.create("http://127.0.0.1:" + app.port() + "/events"))) {
      for (int i = 0; i < 40; i++) {
        stalled.add(stalledClient());
      }
      await().until(() -> live.clientCount() == 41 && reader.connected());
      int threadsBefore = Thread.activeCount();

      // when large events keep coming, more than the stalled clients' buffers and queues hold
      String name = "x".repeat(16 * 1024);
      for (int burst = 0; burst < 8; burst++) {
        int first = burst * BURST;
        Future<?> publishing =
            publisher.submit(
                () -> {
                  for (int n = first; n < first + BURST; n++) {
                    channel.publish(interview("lm" + n, name));
                  }
                });
        // then the reader gets every burst promptly
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> publishing.isDone() && reader.events.size() == first + BURST);
        // and no thread waits on a stalled client's socket (a thread each would be 40 more)
        assertThat(Thread.activeCount()).isLessThan(threadsBefore + 20);
      }

      // and every stalled client is dropped, while the reader stays
      await().atMost(Duration.ofSeconds(15)).until(() -> live.clientCount() == 1);
    } finally {
      for (Socket s : stalled) {
        s.close();
      }
    }
  }

  /** A client that sent its request and never reads: a small receive buffer, as a stalled tab. */
  private Socket stalledClient() throws java.io.IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), app.port()));
    s.getOutputStream()
        .write(
            "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                .getBytes(US_ASCII));
    return s;
  }

  /** The next bytes, or -1 at the end of the stream (also when the server reset it). */
  private static int readOrEnd(InputStream in, byte[] buffer) throws java.io.IOException {
    try {
      return in.read(buffer);
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  private static Interview interview(String id, String name) {
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    return new Interview(
        id,
        name,
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
