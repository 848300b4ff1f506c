package dev.prequel.archive;

import static dev.prequel.interview.Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.NewInterview;
import dev.prequel.testing.LifecycleHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive through an interview's life, with the fake clock and in-memory workspaces around the
 * real lifecycle, database and git-backed store.
 */
class ArchiveLifecycleTest {

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
    return h.interviews.create(new NewInterview("Ada", "python-pandas-cleaning", minutes, null));
  }

  private String latest(String id, String path) {
    List<Snapshot> all = h.archiveStore.snapshots(id);
    Snapshot last = all.get(all.size() - 1);
    return h.archiveStore
        .read(id, last.id(), path, 100_000)
        .map(b -> new String(b, StandardCharsets.UTF_8))
        .orElse(null);
  }

  @Test
  void theChallengesFilesAreTheFirstSnapshot() {
    Interview i = createNow(60);

    List<Snapshot> timeline = h.archive.snapshots(i.id());

    assertThat(timeline).singleElement().extracting(Snapshot::reason).isEqualTo("baseline");
    assertThat(h.archiveStore.files(i.id(), timeline.get(0).id()))
        .extracting(SnapshotFile::path)
        .contains("README.md", "cleaning.py");
  }

  @Test
  void periodicSnapshotsFollowTheCandidatesWorkAndSkipUnchangedMinutes() {
    Interview i = createNow(60);
    PeriodicSnapshots periodic = new PeriodicSnapshots(h.store, h.snapshots, h.runtime, h.clock);

    h.runtime.write(i.id(), "cleaning.py", "v1");
    periodic.run();
    periodic.run(); // nothing changed
    h.runtime.write(i.id(), "cleaning.py", "v2");
    periodic.run();

    assertThat(h.archive.snapshots(i.id()))
        .extracting(Snapshot::reason)
        .containsExactly("baseline", "periodic", "periodic");
    assertThat(latest(i.id(), "cleaning.py")).isEqualTo("v2");
  }

  @Test
  void theFinalSnapshotHoldsTheLastWriteBeforeExpiry() {
    Interview i = createNow(30);
    h.timers.advance(Duration.ofMinutes(29));
    h.runtime.write(i.id(), "cleaning.py", "written in the last minute");

    h.timers.advance(Duration.ofMinutes(1));

    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.files).doesNotContainKey(i.id());
    assertThat(latest(i.id(), "cleaning.py")).isEqualTo("written in the last minute");
    assertThat(h.archive.snapshots(i.id()).get(h.archive.snapshots(i.id()).size() - 1).reason())
        .isEqualTo("final");
    // stop → snapshot → remove: the files are removed only after the archive has them
    assertThat(h.runtime.calls).containsSubsequence("stop " + i.id(), "destroy " + i.id());
  }

  @Test
  void anUnavailableArchiveKeepsTheFilesAndDestroyCompletesWhenItReturns() {
    Interview i = createNow(30);
    h.runtime.write(i.id(), "cleaning.py", "precious work");
    h.archiveStore.down = true;

    h.interviews.destroy(i.id());

    Interview waiting = h.get(i.id());
    assertThat(waiting.status()).isEqualTo(DESTROYING);
    assertThat(waiting.errorReason()).startsWith("waiting for archive");
    assertThat(h.runtime.running).as("stopped").doesNotContainKey(i.id());
    assertThat(h.runtime.files.get(i.id())).containsEntry("cleaning.py", "precious work");
    assertThat(h.archive.waitingForArchive(i.id())).isTrue();
    assertThat(h.timers.dueAt(i.id())).as("a retry is scheduled").isPresent();

    h.timers.advance(Duration.ofSeconds(10)); // retries fail while the store is down
    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYING);
    assertThat(h.runtime.files).containsKey(i.id());
    assertThat(h.archiveStore.refused.get()).isGreaterThan(2);

    h.archiveStore.down = false;
    h.timers.advance(Duration.ofMinutes(1));

    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(h.get(i.id()).errorReason()).isNull();
    assertThat(latest(i.id(), "cleaning.py")).isEqualTo("precious work");
    assertThat(h.runtime.files).doesNotContainKey(i.id());
    assertThat(h.archive.waitingForArchive(i.id())).isFalse();
  }

  @Test
  void waitingForTheArchiveSurvivesARestart() {
    Interview i = createNow(30);
    h.runtime.write(i.id(), "cleaning.py", "precious work");
    h.archiveStore.down = true;
    h.interviews.destroy(i.id());

    h.restart(); // timers of the old process are gone; the reconcile pass finds the waiting one
    h.archiveStore.down = false;
    h.reconciler.reconcileOnce();

    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(latest(i.id(), "cleaning.py")).isEqualTo("precious work");
  }

  @Test
  void onlyAnOperatorCanDiscardUnarchivedWork() {
    Interview i = createNow(30);
    assertThatThrownBy(() -> h.archive.discardUnarchived(i.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));
    h.archiveStore.down = true;
    h.interviews.destroy(i.id());

    h.archive.discardUnarchived(i.id());

    assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
    assertThat(h.runtime.files).doesNotContainKey(i.id());
    assertThat(h.store.log(i.id())).anyMatch(l -> l.message().contains("discard"));
  }

  @Test
  void aWorkspaceWhoseProcessExitedIsRestartedOnTheSameFiles() {
    Interview i = createNow(60);
    h.runtime.write(i.id(), "cleaning.py", "work so far");
    h.published.clear();

    h.runtime.crash(i.id());
    h.reconciler.checkActiveWorkspaces();

    assertThat(h.get(i.id()).status()).isEqualTo(ACTIVE);
    assertThat(h.runtime.running).containsKey(i.id());
    assertThat(h.runtime.files.get(i.id())).containsEntry("cleaning.py", "work so far");
    assertThat(h.store.log(i.id()))
        .anyMatch(l -> l.message().equals("workspace restarted after its process exited"));
    assertThat(h.published).extracting(Interview::id).contains(i.id());
  }

  @Test
  void aWorkspaceThatKeepsExitingEndsInErrorWithItsWorkArchived() {
    Interview i = createNow(60);
    h.runtime.write(i.id(), "cleaning.py", "work so far");

    for (int n = 0; n < 4; n++) {
      h.runtime.crash(i.id());
      h.reconciler.checkActiveWorkspaces();
    }

    assertThat(h.get(i.id()).status()).isEqualTo(ERROR);
    assertThat(h.get(i.id()).errorReason()).contains("stopped unexpectedly 4 times");
    assertThat(latest(i.id(), "cleaning.py")).isEqualTo("work so far");
    assertThat(h.runtime.files).doesNotContainKey(i.id());
  }

  @Test
  void aCrashLoopIsCountedAcrossRestartsOfPrequelButOldRestartsAgeOut() {
    Interview i = createNow(60);
    for (int n = 0; n < 2; n++) {
      h.runtime.crash(i.id());
      h.reconciler.checkActiveWorkspaces();
    }
    h.restart(); // Prequel restarts: the two restarts are still on record
    h.clock.advance(Duration.ofMinutes(11)); // ... but older than the 10-minute window
    for (int n = 0; n < 3; n++) {
      h.runtime.crash(i.id());
      h.reconciler.checkActiveWorkspaces();
    }
    assertThat(h.get(i.id()).status()).as("3 recent restarts are allowed").isEqualTo(ACTIVE);

    h.restart();
    h.runtime.crash(i.id());
    h.reconciler.checkActiveWorkspaces();
    assertThat(h.get(i.id()).status()).isEqualTo(ERROR);
    assertThat(h.get(i.id()).errorReason()).contains("stopped unexpectedly 4 times");
  }

  @Test
  void anEndedInterviewCanBeDeletedWithItsArchiveALiveOneCannot() {
    Interview live = createNow(60);
    assertThatThrownBy(() -> h.archive.delete(live.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));

    h.interviews.destroy(live.id());
    h.archive.delete(live.id());

    assertThat(h.store.find(live.id())).isEmpty();
    assertThat(h.archiveStore.snapshots(live.id())).isEmpty();
    assertThatThrownBy(() -> h.archive.snapshots(live.id()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.NOT_FOUND));
  }

  @Test
  void retentionDeletesEndedInterviewsOlderThanItsPeriodOnly() {
    Interview old = createNow(30);
    h.interviews.destroy(old.id());
    h.clock.advance(Duration.ofDays(6));
    Interview recent = createNow(30);
    h.interviews.destroy(recent.id());
    Interview live = createNow(240);
    Retention retention = new Retention(h.archive, Duration.ofDays(7), h.clock);

    h.clock.advance(Duration.ofDays(1).plusMinutes(1));
    retention.run();

    assertThat(h.store.find(old.id())).isEmpty();
    assertThat(h.archiveStore.snapshots(old.id())).isEmpty();
    assertThat(h.store.find(recent.id())).isPresent();
    assertThat(h.archiveStore.snapshots(recent.id())).isNotEmpty();
    assertThat(h.store.find(live.id())).isPresent();
  }

  @Test
  void retentionIsOffByDefault() {
    Interview old = createNow(30);
    h.interviews.destroy(old.id());
    h.clock.advance(Duration.ofDays(3650));

    new Retention(h.archive, Duration.ZERO, h.clock).run();

    assertThat(h.store.find(old.id())).isPresent();
  }
}
