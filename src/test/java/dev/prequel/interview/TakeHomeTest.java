package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static dev.prequel.testing.LifecycleHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.prequel.error.ProblemException;
import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Take-homes through the real lifecycle, on a clock the test moves (issue 17, 1). */
class TakeHomeTest {

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

  private TakeHomes.Entry invite(int minutes, int windowDays) {
    return h.takeHomes.invite(
        new NewTakeHome("Ada Lovelace", "python-pandas-cleaning", minutes, windowDays));
  }

  @Test
  void anInvitedTakeHomeHasNoWorkspaceUntilItsCandidatePressesStart() {
    TakeHomes.Entry th = invite(240, 7);

    h.timers.advance(Duration.ofDays(3));

    assertThat(h.get(th.interview().id()).status()).isEqualTo(INVITED);
    assertThat(h.runtime.running).isEmpty();
    assertThat(h.runtime.calls).isEmpty();
    assertThat(h.takeHomes.invitation(th.interview().id()))
        .contains(
            new TakeHomes.Invitation(
                "Python: clean an order export with pandas", 240, T0.plus(Duration.ofDays(7))));
  }

  @Test
  void theClockStartsAtStartAndExpiryEndsTheAttemptOnTime() {
    TakeHomes.Entry th = invite(90, 7);
    String id = th.interview().id();
    h.timers.advance(Duration.ofDays(2));
    Instant pressed = h.clock.instant();

    Interview started = h.takeHomes.start(id);

    assertThat(started.startsAt()).isEqualTo(pressed);
    assertThat(started.expiresAt()).isEqualTo(pressed.plus(Duration.ofMinutes(90)));
    assertThat(h.get(id).status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.running).containsKey(id);
    assertThat(h.takeHomes.find(id).orElseThrow().startedAt()).isEqualTo(pressed);

    h.timers.advance(Duration.ofMinutes(90).minusSeconds(1));
    assertThat(h.get(id).status()).isEqualTo(ACTIVE);
    h.timers.advance(Duration.ofSeconds(1));
    assertThat(h.get(id).status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.running).doesNotContainKey(id);
  }

  @Test
  void theCandidatesClockIsToldTheEndAtStartAndWheneverItMoves() {
    String id = invite(60, 7).interview().id();
    Interview started = h.takeHomes.start(id);

    assertThat(h.runtime.clocks.get(id).endsAt()).isEqualTo(started.expiresAt());
    assertThat(h.runtime.clocks.get(id).submitUrl())
        .isEqualTo("http://" + id + ".test/_prequel/submit");

    Instant later = started.expiresAt().plus(Duration.ofMinutes(30));
    h.interviews.changeExpiry(id, later);

    assertThat(h.runtime.clocks.get(id).endsAt()).isEqualTo(later);
  }

  @Test
  void aLiveInterviewsClockHasNoSubmitPage() {
    Interview i = h.interviews.create(new NewInterview("Grace", "sql-sales-report", 45, null));

    assertThat(h.runtime.clocks.get(i.id()).endsAt()).isEqualTo(i.expiresAt());
    assertThat(h.runtime.clocks.get(i.id()).submitUrl()).isNull();
  }

  @Test
  void submitEndsTheAttemptEarlyAndKeepsTheWork() throws Exception {
    String id = invite(120, 7).interview().id();
    h.takeHomes.start(id);
    h.runtime.write(id, "solution.py", "print('done')");
    h.timers.advance(Duration.ofMinutes(20));

    h.takeHomes.submit(id);

    assertThat(h.get(id).status()).isEqualTo(DESTROYED);
    assertThat(h.takeHomes.find(id).orElseThrow().submittedAt()).isEqualTo(h.clock.instant());
    assertThat(h.store.log(id))
        .extracting(InterviewStore.LogLine::message)
        .contains("active → destroying: submitted by the candidate");
    assertThat(h.archive.files(id, h.archive.snapshot(id, null)))
        .extracting(dev.prequel.archive.SnapshotFile::path)
        .contains("solution.py");
  }

  @Test
  void theWindowsEndCancelsATakeHomeNeverStarted() {
    String id = invite(60, 2).interview().id();

    h.timers.advance(Duration.ofDays(2).minusSeconds(1));
    assertThat(h.get(id).status()).isEqualTo(INVITED);
    h.timers.advance(Duration.ofSeconds(1));

    assertThat(h.get(id).status()).isEqualTo(CANCELLED);
    assertThat(h.runtime.calls).noneMatch(c -> c.startsWith("provision"));
    assertThat(h.takeHomes.invitation(id)).isEmpty();
    assertThatThrownBy(() -> h.takeHomes.start(id))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));
  }

  @Test
  void aWindowThatEndedWhilePrequelWasDownCancelsAtTheFirstReconcile() {
    String id = invite(60, 1).interview().id();
    h.clock.advance(Duration.ofDays(2)); // no timer fired: Prequel was not running
    h.restart();

    h.reconciler.reconcileOnce();

    assertThat(h.get(id).status()).isEqualTo(CANCELLED);
  }

  @Test
  void startingTwiceIsRefusedAndKeepsTheFirstClock() {
    String id = invite(60, 7).interview().id();
    Instant first = h.takeHomes.start(id).expiresAt();
    h.timers.advance(Duration.ofMinutes(5));

    assertThatThrownBy(() -> h.takeHomes.start(id)).isInstanceOf(ProblemException.class);
    assertThat(h.get(id).expiresAt()).isEqualTo(first);
  }

  @Test
  void durationsOutsideHalfAnHourToEightHoursAndBadWindowsAreRefused() {
    assertThatThrownBy(() -> invite(29, 7)).hasMessageContaining("between 30 and 480");
    assertThatThrownBy(() -> invite(481, 7)).hasMessageContaining("between 30 and 480");
    assertThatThrownBy(() -> invite(60, 0)).hasMessageContaining("startWindowDays");
    assertThat(invite(480, 7).takeHome().durationMinutes()).isEqualTo(480);
    assertThat(
            h.takeHomes
                .invite(new NewTakeHome("Grace", "sql-sales-report", 60, null))
                .takeHome()
                .windowEndsAt())
        .isEqualTo(T0.plus(Duration.ofDays(TakeHomes.DEFAULT_WINDOW_DAYS)));
  }

  @Test
  void theInterviewerCancelsAnInvitedTakeHomeButCannotMoveItsEndBeforeStart() {
    String id = invite(60, 7).interview().id();

    assertThatThrownBy(() -> h.interviews.changeExpiry(id, T0.plus(Duration.ofDays(9))))
        .hasMessageContaining("has not been started");
    h.interviews.destroy(id);

    assertThat(h.get(id).status()).isEqualTo(CANCELLED);
  }

  @Test
  void aLongTakeHomeCanBeExtendedPastTheLiveInterviewsMaximum() {
    String id = invite(360, 7).interview().id();
    Interview started = h.takeHomes.start(id);

    Interview extended =
        h.interviews.changeExpiry(id, started.expiresAt().plus(Duration.ofHours(1)));

    assertThat(extended.duration()).isEqualTo(Duration.ofHours(7));
    assertThatThrownBy(
            () -> h.interviews.changeExpiry(id, started.startsAt().plus(Duration.ofMinutes(481))))
        .hasMessageContaining("at most 480 minutes");
  }

  @Test
  void theWarmPoolServesATakeHomeAtStart() throws Exception {
    h.runtime.offersSpares = true;
    h.poolSize = 1;
    h.restart();
    h.pool.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> h.pool.idle() == 1);
    String id = invite(60, 7).interview().id();

    h.takeHomes.start(id);

    assertThat(h.get(id).status()).isEqualTo(ACTIVE);
    assertThat(h.store.log(id))
        .extracting(InterviewStore.LogLine::message)
        .anySatisfy(l -> assertThat(l).startsWith("took a warm workspace"));
  }
}
