package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** An operator filtering the log by interview id sees every line about that interview. */
class LogContextTest {

  @TempDir Path data;
  LifecycleHarness h;
  final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void setUp() {
    h = new LifecycleHarness(data);
    captured.start();
    root.addAppender(captured);
  }

  @AfterEach
  void tearDown() {
    root.detachAppender(captured);
    h.close();
  }

  @Test
  void everyLineAboutAnInterviewCarriesItsId() {
    Interview i = h.interviews.create(new NewInterview("Ada", "sql-sales-report", 30, null));
    h.timers.advance(Duration.ofMinutes(30));

    // The lifecycle's workers keep logging while the test reads: wait for the line, then read a
    // copy.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                lines().stream()
                    .anyMatch(
                        e -> e.getFormattedMessage().contains(i.id() + ": active → destroying")));
    var aboutIt = lines().stream().filter(e -> e.getFormattedMessage().contains(i.id())).toList();
    assertThat(aboutIt)
        .allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("interview", i.id()));
    assertThat(lines()).noneMatch(e -> e.getFormattedMessage().contains(i.password()));
  }

  /**
   * What was logged so far; the appender adds under its own lock, so the copy is taken under it.
   */
  private List<ILoggingEvent> lines() {
    synchronized (captured) {
      return new ArrayList<>(captured.list);
    }
  }
}
