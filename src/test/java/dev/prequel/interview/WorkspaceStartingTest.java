package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static dev.prequel.testing.LifecycleHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.WorkspaceStarting;
import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime whose workspace is asked for but not running yet (a pod waiting for a node or its
 * image) says so with {@link WorkspaceStarting}: the interview waits on a timer, not on a worker,
 * and goes on once the workspace runs.
 */
class WorkspaceStartingTest {

  private static final Duration AGAIN = Duration.ofSeconds(1);

  @TempDir Path data;
  LifecycleHarness h;

  @BeforeEach
  void setUp() {
    h = new LifecycleHarness(data);
  }

  @AfterEach
  void tearDown() {
    h.close();
  }

  private Interview createNow() {
    return h.interviews.create(
        new NewInterview("Ada Lovelace", "python-pandas-cleaning", 60, null));
  }

  @Test
  void aWorkspaceWaitingForANodeKeepsItsInterviewInitializingOnATimerUntilItRuns() {
    h.runtime.failProvision = new WorkspaceStarting("the pod is not running yet (Pending)", AGAIN);

    Interview i = createNow();
    h.timers.advance(AGAIN);
    h.timers.advance(AGAIN);

    assertThat(h.get(i.id()).status()).isEqualTo(INITIALIZING);
    assertThat(h.timers.dueAt(i.id())).contains(T0.plus(AGAIN.multipliedBy(3)));
    assertThat(h.store.log(i.id()))
        .filteredOn(l -> l.message().contains("not running yet"))
        .as("said once, not at every look")
        .hasSize(1);

    h.runtime.failProvision = null;
    h.timers.advance(AGAIN);

    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
  }

  @Test
  void aWorkspaceStartedAgainThatIsNotRunningYetIsAdoptedNotStartedOnceMore() {
    Interview i = createNow();
    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    h.runtime.crash(i.id());
    h.runtime.failProvision = new WorkspaceStarting("the pod is not running yet (Pending)", AGAIN);

    h.timers.advance(Duration.ofMinutes(1));
    h.lifecycle.request(i.id());
    h.timers.advance(AGAIN);
    h.timers.advance(AGAIN);
    h.runtime.failProvision = null;
    h.timers.advance(AGAIN);

    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.find(i.id())).isPresent();
    assertThat(h.runtime.calls)
        .as("stopped once, for the restart; the pod still starting was never stopped")
        .filteredOn(c -> c.equals("stop " + i.id()))
        .hasSize(1);
    assertThat(h.store.log(i.id()))
        .filteredOn(l -> l.message().startsWith(Restarts.RESTARTED))
        .hasSize(1);
  }
}
