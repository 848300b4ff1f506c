package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static dev.prequel.testing.LifecycleHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.testing.LifecycleHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restart finds, and how the reconcile pass sets it right. */
class ReconcilerTest {

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

  /** An interview left in a status by a process that died there. */
  private Interview leftIn(Status status, String id, boolean workspaceRunning) {
    Interview i =
        new Interview(
            id,
            "Linus",
            "sql-sales-report",
            status,
            "Pw-abcdefghjkmn",
            null,
            T0,
            T0.plus(Duration.ofMinutes(60)),
            T0,
            T0,
            null);
    h.store.insert(i);
    if (workspaceRunning) {
      h.runtime.startStray(id);
    }
    return i;
  }

  @Test
  void interruptedProvisioningIsResumedAfterARestart() {
    leftIn(INITIALIZING, "crashedinit", false);
    leftIn(CONFIGURING, "crashedconf", true);

    h.restart();
    h.reconciler.reconcileOnce();

    assertThat(h.get("crashedinit").status()).isEqualTo(ACTIVE);
    assertThat(h.get("crashedconf").status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.running).containsKeys("crashedinit", "crashedconf");
  }

  @Test
  void aRunningWorkspaceIsAdoptedNotRestarted() {
    leftIn(ACTIVE, "survivor", true);

    h.restart();
    h.reconciler.reconcileOnce();

    assertThat(h.get("survivor").status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.calls).doesNotContain("destroy survivor", "provision survivor");
    assertThat(h.timers.dueAt("survivor")).contains(T0.plus(Duration.ofMinutes(60)));
  }

  @Test
  void anInterviewThatExpiredWhilePrequelWasDownIsDestroyed() {
    leftIn(ACTIVE, "expired", true);
    h.clock.advance(Duration.ofHours(2));

    h.restart();
    h.reconciler.reconcileOnce();

    assertThat(h.get("expired").status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.running).doesNotContainKey("expired");
  }

  @Test
  void aHalfDoneDestroyIsFinished() {
    leftIn(DESTROYING, "halfgone", true);

    h.restart();
    h.reconciler.reconcileOnce();

    assertThat(h.get("halfgone").status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.running).isEmpty();
  }

  @Test
  void aWorkspaceNoInterviewOwnsIsRemoved() {
    h.runtime.startStray("nobodysws");
    leftIn(DESTROYED, "endedbutup", true);

    h.reconciler.reconcileOnce();

    assertThat(h.runtime.running).isEmpty();
  }

  @Test
  void anOrphansFilesGoToTheArchiveBeforeItIsRemoved() throws Exception {
    // e.g. its interview's record was lost by a database killed just after the commit
    h.runtime.startStray("lostrecord");
    h.runtime.files.put("lostrecord", new java.util.HashMap<>(Map.of("answer.py", "print(42)")));

    h.reconciler.reconcileOnce();

    assertThat(h.runtime.running).isEmpty();
    assertThat(h.archiveStore.snapshots("lostrecord")).hasSize(1);
  }

  @Test
  void anOrphanIsOnlyStoppedWhenTheArchiveCannotTakeItsFiles() throws Exception {
    h.runtime.startStray("lostrecord");
    h.runtime.files.put("lostrecord", new java.util.HashMap<>(Map.of("answer.py", "print(42)")));
    h.archiveStore.down = true;

    h.reconciler.reconcileOnce();

    assertThat(h.runtime.running).isEmpty();
    assertThat(h.runtime.files.get("lostrecord")).containsEntry("answer.py", "print(42)");
  }

  @Test
  void anActiveInterviewWhoseWorkspaceVanishedIsRestarted() {
    leftIn(ACTIVE, "vanished", false);

    h.reconciler.reconcileOnce();

    assertThat(h.get("vanished").status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.running).containsKey("vanished");
    assertThat(h.store.log("vanished"))
        .anyMatch(l -> l.message().contains("workspace restarted after its process exited"));
  }

  @Test
  void aScheduledInterviewWhoseWholeWindowPassedWhileDownIsMarkedError() {
    leftIn(SCHEDULED, "missed", false);
    h.clock.advance(Duration.ofHours(5));

    h.reconciler.reconcileOnce();

    assertThat(h.get("missed").status()).isEqualTo(ERROR);
    assertThat(h.runtime.calls).noneMatch(c -> c.startsWith("provision"));
  }

  @Test
  void afterReconcileNoInterviewIsLeftInATransitionalStatus() {
    leftIn(INITIALIZING, "a", false);
    leftIn(CONFIGURING, "b", false);
    leftIn(DESTROYING, "c", true);
    leftIn(SCHEDULED, "d", false);

    h.restart();
    h.reconciler.reconcileOnce();
    h.timers.advance(Duration.ofSeconds(1)); // "b" is started again, and answers the next probe

    assertThat(h.store.list(java.util.EnumSet.allOf(Status.class)))
        .extracting(Interview::status)
        .allMatch(s -> s == ACTIVE || s == DESTROYED || s == SCHEDULED || s.isFinal());
  }
}
