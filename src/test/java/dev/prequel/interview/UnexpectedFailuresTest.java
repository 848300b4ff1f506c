package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static dev.prequel.testing.LifecycleHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What the worker loop does with a failure no step expects: an operator finds it in the log with
 * its stack trace, and Prequel keeps trying, less and less often, until it works.
 */
class UnexpectedFailuresTest {

  @TempDir Path data;
  LifecycleHarness h;
  final ListAppender<ILoggingEvent> captured = new ListAppender<>();
  // The package's logger: the worker loop (WorkerLoop) and the steps (Lifecycle) log there.
  final Logger lifecycleLog = (Logger) LoggerFactory.getLogger(Lifecycle.class.getPackageName());

  @BeforeEach
  void setUp() {
    h = new LifecycleHarness(data);
    captured.start();
    lifecycleLog.addAppender(captured);
  }

  @AfterEach
  void tearDown() {
    lifecycleLog.detachAppender(captured);
    h.close();
  }

  @Test
  void aWorkspaceTheRuntimeCannotRemoveIsRetriedWithGrowingDelaysAndLoggedWithItsStackTrace() {
    // given an interview whose workspace the runtime refuses to remove
    Interview i = h.interviews.create(new NewInterview("Ada", "sql-sales-report", 30, null));
    h.runtime.failDestroy = new IllegalStateException("device busy");

    // when it is destroyed
    h.interviews.destroy(i.id());

    // then it ends in error with the reason, the failure is logged with its stack trace, and a
    // retry is due after 1 s, then 2 s
    assertThat(h.get(i.id()).status()).isEqualTo(ERROR);
    assertThat(h.get(i.id()).errorReason()).isEqualTo("device busy");
    assertThat(captured.list)
        .filteredOn(e -> e.getLevel() == Level.ERROR)
        .anySatisfy(
            e -> {
              assertThat(e.getFormattedMessage()).contains(i.id(), "reconcile failed");
              assertThat(e.getThrowableProxy()).isNotNull();
            });
    assertThat(h.timers.dueAt(i.id())).contains(T0.plusSeconds(1));
    h.timers.advance(Duration.ofSeconds(1));
    assertThat(h.timers.dueAt(i.id())).contains(T0.plusSeconds(3));

    // and once the runtime can remove it, it is removed and nothing is retried any more
    h.runtime.failDestroy = null;
    h.timers.advance(Duration.ofSeconds(2));
    assertThat(h.runtime.files).doesNotContainKey(i.id());
    assertThat(h.timers.dueAt(i.id())).isEmpty();
  }
}
