package dev.prequel.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * The whole JVM's warnings and errors while a stream's clients come and go: a gone client is worth
 * a debug line, and a request touched after Jetty ended it once logged millions (see {@code
 * SseSubscriber}). Tests that use it must be {@code @Isolated}: other classes' warnings count too.
 */
public final class LogStorm extends AppenderBase<ILoggingEvent> {

  private final AtomicInteger count = new AtomicInteger();
  private final List<String> first = new CopyOnWriteArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  /** Starts counting; {@link #close} stops. */
  public static LogStorm watch() {
    LogStorm storm = new LogStorm();
    storm.start();
    storm.root.addAppender(storm);
    return storm;
  }

  public void close() {
    root.detachAppender(this);
    stop();
  }

  @Override
  protected void append(ILoggingEvent e) {
    if (e.getLevel().isGreaterOrEqual(Level.WARN) && count.incrementAndGet() <= 5) {
      first.add(e.getLoggerName() + ": " + e.getFormattedMessage());
    }
  }

  /** Fewer than five warnings so far, and (after {@code more} runs) nothing keeps logging. */
  public void assertNone(Runnable more) {
    int after = count.get();
    assertThat(after).as("warnings and errors: %s", first).isLessThan(5);
    more.run();
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(2))
        .until(() -> count.get() == after);
  }

  /**
   * A raw event-stream client on {@code port}: its request sent, and {@code marker} (the stream's
   * first comment) read, so the server has it. A test resets or drops the socket to play a browser
   * that went away.
   */
  public static Socket sseClient(int port, String path, String marker) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    s.getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                .getBytes(US_ASCII));
    s.setSoTimeout(10_000);
    InputStream in = s.getInputStream();
    StringBuilder seen = new StringBuilder();
    while (seen.indexOf(marker) < 0) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before " + marker + ": " + seen);
      }
      seen.append((char) b);
    }
    return s;
  }
}
