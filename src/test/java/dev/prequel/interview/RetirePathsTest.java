package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.Config;
import dev.prequel.Prequel;
import dev.prequel.archive.ArchiveStore;
import dev.prequel.archive.GitArchiveStore;
import dev.prequel.archive.Snapshot;
import dev.prequel.testing.FakeRuntime;
import dev.prequel.testing.LifecycleHarness;
import dev.prequel.testing.TestAuth;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a workspace ends (its interview's expiry, an interviewer's destroy, the clean-up of an
 * orphan, Prequel's shutdown) keeps what the candidate wrote after the last periodic snapshot, and
 * what their processes write as they are stopped: each goes through the one retire path, which
 * stops the workspace before its last snapshot.
 */
class RetirePathsTest {

  @TempDir Path data;

  /** The candidate's work since the last periodic snapshot, and what is saved as it stops. */
  private static void lateWork(FakeRuntime runtime, String id) {
    runtime.write(id, "late.py", "written after the last periodic snapshot");
    runtime.writtenWhenStopped.put(id, new HashMap<>(Map.of("saved-on-exit.py", "unsaved buffer")));
  }

  private static Optional<String> lastSnapshotFile(ArchiveStore store, String id, String path) {
    List<Snapshot> all = store.snapshots(id);
    if (all.isEmpty()) {
      return Optional.empty();
    }
    return store
        .read(id, all.get(all.size() - 1).id(), path, 100_000)
        .map(b -> new String(b, StandardCharsets.UTF_8));
  }

  private static void assertArchived(ArchiveStore store, FakeRuntime runtime, String id) {
    assertThat(lastSnapshotFile(store, id, "late.py"))
        .contains("written after the last periodic snapshot");
    assertThat(lastSnapshotFile(store, id, "saved-on-exit.py")).contains("unsaved buffer");
    assertThat(runtime.files).as("removed once archived").doesNotContainKey(id);
  }

  private Interview activeWithLateWork(LifecycleHarness h) throws Exception {
    Interview i = h.interviews.create(new NewInterview("Ada", "sql-sales-report", 30, null));
    h.runtime.write(i.id(), "report.sql", "select 1;");
    h.snapshots.take(i.id(), Snapshot.PERIODIC);
    lateWork(h.runtime, i.id());
    return i;
  }

  @Test
  void anExpiredInterviewsLastWritesAreArchived() throws Exception {
    try (LifecycleHarness h = new LifecycleHarness(data)) {
      Interview i = activeWithLateWork(h);

      h.timers.advance(Duration.ofMinutes(30));

      assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
      assertArchived(h.archiveStore, h.runtime, i.id());
    }
  }

  @Test
  void aDestroyedInterviewsLastWritesAreArchived() throws Exception {
    try (LifecycleHarness h = new LifecycleHarness(data)) {
      Interview i = activeWithLateWork(h);

      h.interviews.destroy(i.id());

      assertThat(h.get(i.id()).status()).isEqualTo(DESTROYED);
      assertArchived(h.archiveStore, h.runtime, i.id());
    }
  }

  @Test
  void anOrphansLastWritesAreArchived() throws Exception {
    try (LifecycleHarness h = new LifecycleHarness(data)) {
      // a workspace whose interview record was lost
      h.runtime.startStray("rporphan01");
      h.runtime.write("rporphan01", "answer.py", "print(41)");
      h.snapshots.take("rporphan01", Snapshot.PERIODIC);
      lateWork(h.runtime, "rporphan01");

      h.reconciler.reconcileOnce();

      assertThat(h.runtime.running).doesNotContainKey("rporphan01");
      assertArchived(h.archiveStore, h.runtime, "rporphan01");
    }
  }

  @Test
  void aWorkspaceStoppedWithPrequelHasItsLastWritesArchived() throws Exception {
    // given Prequel on an in-memory runtime, and a workspace whose candidate is still writing
    FakeRuntime runtime = new FakeRuntime(Clock.systemUTC());
    Map<String, String> env = new HashMap<>(TestAuth.env());
    env.putAll(
        Map.of(
            "PREQUEL_PORT", "0",
            "PREQUEL_BIND", "127.0.0.1",
            "PREQUEL_DATA_DIR", data.toString(),
            "PREQUEL_CHALLENGES_DIR", Path.of("challenges").toAbsolutePath().toString(),
            "PREQUEL_CODE_SERVER_DIR", dev.prequel.testing.TestCodeServer.dir().toString()));
    Config config = Config.fromEnv(env);
    Prequel prequel = Prequel.start(config, Clock.systemUTC(), runtime);
    runtime.startStray("rpshutdown");
    lateWork(runtime, "rpshutdown");

    // when Prequel stops for good, stopping its workspaces
    prequel.stop(true);

    // then the archive has everything the candidate wrote
    assertArchived(new GitArchiveStore(config.archive().dir()), runtime, "rpshutdown");
  }
}
