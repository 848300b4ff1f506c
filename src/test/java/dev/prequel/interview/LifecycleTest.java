package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static dev.prequel.testing.LifecycleHarness.LEAD;
import static dev.prequel.testing.LifecycleHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lifecycle and its timers, driven by a clock the test controls. */
class LifecycleTest {

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

  private Interview createNow(int minutes) {
    return h.interviews.create(
        new NewInterview("Ada Lovelace", "python-pandas-cleaning", minutes, null));
  }

  @Test
  void anInterviewWithoutStartTimeGoesThroughEveryStepToActive() {
    Interview created = createNow(60);

    assertThat(created.status()).isEqualTo(INITIALIZING);
    assertThat(h.get(created.id()).status()).isEqualTo(ACTIVE);
    assertThat(h.published)
        .extracting(Interview::status)
        .containsExactly(INITIALIZING, CONFIGURING, ACTIVE);
    assertThat(h.runtime.configuredWith.get(created.id()))
        .endsWith(Path.of("challenges", "python-pandas-cleaning"));
  }

  @Test
  void expiryDestroysTheWorkspaceExactlyAtTheEnd() {
    Interview i = createNow(45);
    assertThat(h.timers.dueAt(i.id())).contains(T0.plus(Duration.ofMinutes(45)));

    h.timers.advance(Duration.ofMinutes(45).minusSeconds(1));
    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);

    h.timers.advance(Duration.ofSeconds(1));
    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.running).doesNotContainKey(i.id());
    assertThat(h.published).extracting(Interview::status).endsWith(ACTIVE, DESTROYING, DESTROYED);
  }

  @Test
  void aScheduledInterviewIsProvisionedEarlyEnoughToBeActiveAtItsStart() {
    Instant start = T0.plus(Duration.ofHours(3));
    Interview i = h.interviews.create(new NewInterview("Grace", "sql-sales-report", 60, start));
    assertThat(i.status()).isEqualTo(SCHEDULED);
    assertThat(i.expiresAt()).isEqualTo(start.plus(Duration.ofMinutes(60)));

    h.timers.advance(Duration.ofHours(3).minus(LEAD).minusSeconds(1));
    assertThat(h.get(i.id()).status()).isEqualTo(SCHEDULED);
    assertThat(h.runtime.running).isEmpty();

    h.timers.advance(Duration.ofSeconds(1));
    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    assertThat(h.clock.instant()).isBefore(start);
    assertThat(h.get(i.id()).password()).isEqualTo(i.password());
  }

  @Test
  void cancellingAScheduledInterviewMeansItNeverStarts() {
    Interview i =
        h.interviews.create(
            new NewInterview("Grace", "sql-sales-report", 60, T0.plus(Duration.ofHours(1))));

    assertThat(h.interviews.destroy(i.id()).status()).isEqualTo(CANCELLED);
    h.timers.advance(Duration.ofHours(3));

    assertThat(h.get(i.id()).status()).isEqualTo(CANCELLED);
    assertThat(h.runtime.calls).noneMatch(c -> c.startsWith("provision"));
  }

  @Test
  void extendingMovesTheEndAndTheTimerWithIt() {
    Interview i = createNow(60);
    h.timers.advance(Duration.ofMinutes(50));

    Interview extended =
        h.interviews.changeExpiry(i.id(), i.expiresAt().plus(Duration.ofMinutes(30)));

    assertThat(extended.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(90)));
    h.timers.advance(Duration.ofMinutes(39));
    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    h.timers.advance(Duration.ofMinutes(1));
    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
  }

  @Test
  void theTotalDurationNeverPassesTheMaximum() {
    Interview i = createNow(200);

    assertThatThrownBy(() -> h.interviews.changeExpiry(i.id(), T0.plus(Duration.ofMinutes(241))))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ProblemException.Kind.BAD_INPUT);
              assertThat(e.getMessage()).contains("at most 240 minutes");
            });
    assertThat(h.interviews.changeExpiry(i.id(), T0.plus(Duration.ofHours(4))).duration())
        .isEqualTo(Duration.ofHours(4));
  }

  @Test
  void endingEarlyDestroysAtOnce() {
    Interview i = createNow(60);
    h.timers.advance(Duration.ofMinutes(10));

    h.interviews.changeExpiry(i.id(), h.clock.instant());

    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.running).isEmpty();
  }

  @Test
  void anEndedInterviewCannotBeDestroyedAgainOrExtended() {
    Interview i = createNow(30);
    h.interviews.destroy(i.id());
    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);

    assertThatThrownBy(() -> h.interviews.destroy(i.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));
    assertThatThrownBy(() -> h.interviews.changeExpiry(i.id(), T0.plus(Duration.ofMinutes(40))))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));
  }

  @Test
  void aFailedProvisioningEndsInErrorWithTheReasonAndLeavesNothingRunning() {
    h.runtime.failProvision = new IllegalStateException("no free port");

    Interview i = createNow(60);

    Interview after = h.get(i.id());
    assertThat(after.status()).isEqualTo(ERROR);
    assertThat(after.errorReason()).isEqualTo("no free port");
    assertThat(h.runtime.running).isEmpty();
    assertThat(h.store.log(i.id()))
        .extracting(l -> l.message())
        .anyMatch(m -> m.contains("no free port"));
  }

  @Test
  void aWorkspaceThatExitsWhileStartingIsStartedOnceMore() {
    h.runtime.exitAtStart.set(1);

    Interview i = createNow(60);
    h.timers.advance(Lifecycle.PROBE_INTERVAL); // the first probe started it again

    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    assertThat(h.store.log(i.id()))
        .extracting(l -> l.message())
        .anyMatch(m -> m.endsWith("exited while starting; starting it once more"));
  }

  @Test
  void aWorkspaceThatExitsWhileStartingTwiceEndsInError() {
    h.runtime.exitAtStart.set(2);

    Interview i = createNow(60);
    h.timers.advance(Lifecycle.PROBE_INTERVAL); // the first probe started it again

    assertThat(h.get(i.id()).status()).isEqualTo(ERROR);
    assertThat(h.get(i.id()).errorReason()).contains("exited while starting");
    assertThat(h.runtime.running).isEmpty();
  }

  @Test
  void aWorkspaceThatNeverAnswersEndsInErrorAndIsRemoved() {
    h.ready = false;

    Interview i = createNow(60);
    h.timers.advance(Duration.ofMillis(100));
    assertThat(h.get(i.id()).status()).as("still within the ready timeout").isEqualTo(CONFIGURING);
    h.timers.advance(Duration.ofMillis(100)); // the harness's ready timeout: 200 ms

    assertThat(h.get(i.id()).status()).isEqualTo(ERROR);
    assertThat(h.get(i.id()).errorReason()).contains("did not answer");
    assertThat(h.runtime.running).isEmpty();
  }

  @Test
  void badRequestsAreRefusedWithTheFieldAtFault() {
    assertBad(new NewInterview(" ", "sql-sales-report", 60, null), "candidateName");
    assertBad(new NewInterview("x".repeat(101), "sql-sales-report", 60, null), "candidateName");
    assertBad(new NewInterview("Ada", "no-such-challenge", 60, null), "challengeId");
    assertBad(new NewInterview("Ada", "sql-sales-report", 29, null), "durationMinutes");
    assertBad(new NewInterview("Ada", "sql-sales-report", 241, null), "durationMinutes");
    assertBad(new NewInterview("Ada", "sql-sales-report", null, null), "durationMinutes");
    assertBad(
        new NewInterview("Ada", "sql-sales-report", 60, T0.minus(Duration.ofHours(1))),
        "scheduledAt");
    assertThat(h.store.list(java.util.EnumSet.allOf(Status.class))).isEmpty();
  }

  private void assertBad(NewInterview request, String field) {
    assertThatThrownBy(() -> h.interviews.create(request))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ProblemException.Kind.BAD_INPUT);
              assertThat(e.field()).isEqualTo(field);
            });
  }

  @Test
  void idsAndPasswordsAreUnguessableAndFreeOfLookAlikes() {
    Interview a = createNow(30);
    Interview b = createNow(30);

    assertThat(a.id()).matches("[a-z2-9]{10}").isNotEqualTo(b.id());
    assertThat(a.password())
        .hasSizeGreaterThanOrEqualTo(12)
        .doesNotContainPattern("[0O1lI]")
        .isNotEqualTo(b.password());
  }
}
