package dev.prequel.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.FakeRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pool's decisions, over an in-memory runtime. */
class WarmPoolUnitTest {

  private final FakeRuntime runtime = new FakeRuntime(Clock.systemUTC());
  private final List<String> log = new ArrayList<>();
  private WarmPool pool;

  @AfterEach
  void stop() {
    if (pool != null) {
      pool.stop(true);
    }
  }

  @Test
  void fillsUpHandsASpareToAnInterviewAndRefills() throws Exception {
    pool = started(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);

    assertThat(pool.claimFor(new WorkspaceSpec("iv1"), log::add)).isTrue();

    assertThat(runtime.find("iv1")).isPresent();
    assertThat(log).anySatisfy(l -> assertThat(l).startsWith("took a warm workspace"));
    assertThat(runtime.list()).extracting(w -> w.interviewId()).containsExactly("iv1");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);
    assertThat(runtime.spares()).hasSize(2);
    assertThat(pool.taken()).isEqualTo(1);
  }

  @Test
  void anEmptyPoolSaysStartItCold() throws Exception {
    runtime.offersSpares = true;
    pool = new WarmPool(runtime, 1, w -> false, Duration.ofSeconds(30)); // never answers
    pool.start();

    assertThat(pool.claimFor(new WorkspaceSpec("iv1"), log::add)).isFalse();
    assertThat(pool.missed()).isEqualTo(1);
    assertThat(runtime.find("iv1")).isEmpty();
  }

  @Test
  void aRuntimeWithoutSparesMakesEveryWorkspaceCold() throws Exception {
    pool = new WarmPool(runtime, 3, w -> true, Duration.ofSeconds(5));
    pool.start();

    assertThat(pool.size()).isZero();
    assertThat(pool.claimFor(new WorkspaceSpec("iv1"), log::add)).isFalse();
    assertThat(runtime.calls).isEmpty();
  }

  @Test
  void aSpareWhoseProcessExitedIsReplacedNotHandedOut() throws Exception {
    pool = started(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);
    // the first spare started, the one the pool hands out first
    String dead =
        runtime.calls.stream()
            .filter(c -> c.startsWith("provision spare-"))
            .findFirst()
            .orElseThrow()
            .substring("provision ".length());
    runtime.crash(dead);

    assertThat(pool.claimFor(new WorkspaceSpec("iv1"), log::add)).isTrue();

    assertThat(runtime.calls).contains("destroy " + dead).doesNotContain("claim " + dead + " iv1");
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);
  }

  @Test
  void anInterviewThatAlreadyHasAWorkspaceKeepsItAndTheSpareStays() throws Exception {
    pool = started(1);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 1);
    runtime.provision(new WorkspaceSpec("iv1"), log::add);

    assertThat(pool.claimFor(new WorkspaceSpec("iv1"), log::add)).isFalse();
    assertThat(pool.idle()).isEqualTo(1);
  }

  @Test
  void sparesLeftByAnEarlierRunAreTakenBackUpToTheSizeAndTheRestRemoved() {
    runtime.offersSpares = true;
    for (String id : List.of("spare-a", "spare-b", "spare-c")) {
      runtime.startStray(id);
    }
    pool = new WarmPool(runtime, 2, w -> true, Duration.ofSeconds(5));
    pool.start();

    await().atMost(Duration.ofSeconds(5)).until(() -> runtime.spares().size() == 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);
    assertThat(runtime.spares()).containsExactly("spare-a", "spare-b");
    assertThat(runtime.calls).filteredOn(c -> c.startsWith("provision")).isEmpty();
  }

  @Test
  void stoppingForGoodRemovesTheSpares() {
    pool = started(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> pool.idle() == 2);

    pool.stop(true);

    assertThat(runtime.spares()).isEmpty();
  }

  private WarmPool started(int size) {
    runtime.offersSpares = true;
    WarmPool p = new WarmPool(runtime, size, w -> true, Duration.ofSeconds(5));
    p.start();
    return p;
  }
}
