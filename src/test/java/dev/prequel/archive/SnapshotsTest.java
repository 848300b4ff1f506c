package dev.prequel.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.local.LocalRuntime;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of a real workspace folder (the local runtime's) into the real git-backed store. */
class SnapshotsTest {

  @TempDir Path data;
  @TempDir Path challenge;

  LocalRuntime runtime;
  GitArchiveStore store;
  Path workspace;

  @BeforeEach
  void setUp() throws Exception {
    runtime = new LocalRuntime(data.resolve("workspaces"), data.resolve("no-code-server"), clock());
    store = new GitArchiveStore(data.resolve("archive"));
    Files.writeString(challenge.resolve("README.md"), "# Word frequency\n");
    Files.writeString(challenge.resolve("words.py"), "def top(text):\n    pass\n");
    runtime.configure("ada", challenge, line -> {});
    workspace = data.resolve("workspaces/ada/workspace");
  }

  private static Clock clock() {
    return Clock.systemUTC();
  }

  private Snapshots snapshots(long maxBytes) {
    return new Snapshots(
        store, runtime, new SnapshotPolicy(SnapshotPolicy.DEFAULT_EXCLUDED, maxBytes), clock());
  }

  @Test
  void filesWrittenInTheWorkspaceAppearInTheNextSnapshot() throws Exception {
    Snapshots s = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES);
    Snapshot baseline = s.take("ada", Snapshot.BASELINE).orElseThrow();

    Files.writeString(workspace.resolve("words.py"), "def top(text):\n    return []\n");
    Files.createDirectories(workspace.resolve("notes"));
    Files.writeString(workspace.resolve("notes/plan.md"), "1. count\n");
    Snapshot next = s.take("ada", Snapshot.PERIODIC).orElseThrow();

    assertThat(next.id()).isNotEqualTo(baseline.id());
    assertThat(store.files("ada", next.id()))
        .extracting(SnapshotFile::path)
        .containsExactlyInAnyOrder("README.md", "words.py", "notes/plan.md");
    assertThat(
            new String(
                store.read("ada", next.id(), "words.py", 1000).orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8))
        .contains("return []");
    assertThat(store.snapshots("ada"))
        .extracting(Snapshot::reason)
        .containsExactly("baseline", "periodic");

    List<FileChange> changes = store.diff("ada", baseline.id(), next.id());
    assertThat(changes)
        .extracting(FileChange::path)
        .containsExactlyInAnyOrder("words.py", "notes/plan.md");
    assertThat(
            changes.stream()
                .filter(c -> c.path().equals("words.py"))
                .findFirst()
                .orElseThrow()
                .patch())
        .contains("-    pass", "+    return []");
  }

  @Test
  void anUnchangedWorkspaceAddsNothingToTheTimeline() throws Exception {
    Snapshots s = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES);
    Snapshot first = s.take("ada", Snapshot.BASELINE).orElseThrow();

    Snapshot again = s.take("ada", Snapshot.PERIODIC).orElseThrow();

    assertThat(again.id()).isEqualTo(first.id());
    assertThat(store.snapshots("ada")).hasSize(1);
  }

  @Test
  void dependencyAndBuildFoldersAreLeftOutAndNamed() throws Exception {
    for (String dir :
        List.of("node_modules/left-pad", ".venv/lib", "src/__pycache__", "target", ".git")) {
      Files.createDirectories(workspace.resolve(dir));
      Files.writeString(workspace.resolve(dir).resolve("junk.txt"), "generated");
    }
    Files.createDirectories(workspace.resolve("src"));
    Files.writeString(workspace.resolve("src/app.js"), "console.log(1)\n");

    Snapshot snap =
        snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES).take("ada", "periodic").orElseThrow();

    assertThat(store.files("ada", snap.id()))
        .extracting(SnapshotFile::path)
        .containsExactlyInAnyOrder("README.md", "words.py", "src/app.js");
    assertThat(snap.skippedFolders())
        .contains("node_modules", ".venv", "src/__pycache__", "target", ".git");
  }

  @Test
  void theSizeCapLeavesOutTheLargestFilesAndSaysSo() throws Exception {
    Files.write(workspace.resolve("huge.csv"), new byte[6000]);
    Files.write(workspace.resolve("big.bin"), new byte[3000]);
    Files.writeString(workspace.resolve("small.txt"), "keep me");

    Snapshot snap = snapshots(4000).take("ada", "periodic").orElseThrow();

    assertThat(store.files("ada", snap.id()))
        .extracting(SnapshotFile::path)
        .contains("small.txt", "big.bin", "words.py")
        .doesNotContain("huge.csv");
    assertThat(snap.leftOut())
        .singleElement()
        .asString()
        .startsWith("huge.csv (6000 bytes)")
        .contains("size cap");
    assertThat(snap.bytes()).isLessThanOrEqualTo(4000);
    // The manifest travels with the snapshot: listing it again reads the same note.
    assertThat(store.snapshots("ada").get(0).leftOut()).isEqualTo(snap.leftOut());
  }

  @Test
  void aSnapshotDownloadsAsAZipOfItsFiles() throws Exception {
    Snapshot snap = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES).take("ada", "final").orElseThrow();

    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    store.writeZip("ada", snap.id(), zip);

    Map<String, String> entries = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.put(
            e.getName(), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    assertThat(entries)
        .containsEntry("ada/README.md", "# Word frequency\n")
        .containsKey("ada/words.py");
  }

  @Test
  void aWorkspaceWithoutFilesHasNoSnapshotAndDeletingAnArchiveIsFinal() throws Exception {
    assertThat(snapshots(100).take("nobody", "final")).isEmpty();

    snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES).take("ada", "baseline");
    store.delete("ada");
    store.delete("ada");

    assertThat(store.snapshots("ada")).isEmpty();
    assertThat(data.resolve("archive/ada.git")).doesNotExist();
  }

  @Test
  void aLockFileLeftByAKilledProcessDoesNotBlockTheNextSnapshot() throws Exception {
    Snapshots s = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES);
    s.take("ada", "baseline");
    Files.writeString(data.resolve("archive/ada.git/refs/heads/main.lock"), "stale\n");
    Files.writeString(workspace.resolve("words.py"), "changed\n");

    s.take("ada", "periodic");

    assertThat(store.snapshots("ada")).hasSize(2);
  }

  @Test
  void theFinalSnapshotClosesTheTimeline() throws Exception {
    Snapshots s = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES);
    s.take("ada", Snapshot.BASELINE);

    Snapshot last = s.take("ada", Snapshot.FINAL).orElseThrow();
    Files.delete(workspace.resolve("words.py")); // as destroy removes files under a late snapshot
    Snapshot late = s.take("ada", Snapshot.PERIODIC).orElseThrow();

    assertThat(last.reason()).as("recorded even though nothing changed").isEqualTo("final");
    assertThat(late.id()).isEqualTo(last.id());
    assertThat(store.snapshots("ada"))
        .extracting(Snapshot::reason)
        .containsExactly("baseline", "final");
    assertThat(s.take("ada", Snapshot.FINAL).orElseThrow().id()).isNotEqualTo(last.id());
  }

  @Test
  void snapshotsOfATypicalWorkspaceAreQuickAndSmall() throws Exception {
    // 200 source files of ~10 KB each (2 MB), plus a node_modules folder of 2,000 files
    for (int n = 0; n < 200; n++) {
      Files.createDirectories(workspace.resolve("src/pkg" + (n % 10)));
      Files.writeString(
          workspace.resolve("src/pkg" + (n % 10) + "/f" + n + ".py"),
          ("line " + n + "\n").repeat(1200));
    }
    for (int n = 0; n < 2000; n++) {
      Files.createDirectories(workspace.resolve("node_modules/m" + (n % 50)));
      Files.writeString(workspace.resolve("node_modules/m" + (n % 50) + "/i" + n + ".js"), "x");
    }
    Snapshots s = snapshots(SnapshotPolicy.DEFAULT_MAX_BYTES);
    long t0 = System.nanoTime();
    s.take("ada", Snapshot.BASELINE);
    long first = System.nanoTime() - t0;
    long[] unchanged = new long[10];
    long[] oneEdit = new long[10];
    for (int n = 0; n < 10; n++) {
      long a = System.nanoTime();
      s.take("ada", Snapshot.PERIODIC);
      unchanged[n] = System.nanoTime() - a;
      Files.writeString(
          workspace.resolve("src/pkg0/f0.py"),
          "edit " + n + "\n",
          java.nio.file.StandardOpenOption.APPEND);
      long b = System.nanoTime();
      s.take("ada", Snapshot.PERIODIC);
      oneEdit[n] = System.nanoTime() - b;
    }
    long repoBytes;
    try (var walk = Files.walk(data.resolve("archive/ada.git"))) {
      repoBytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    System.out.printf(
        "[measure] snapshot of 200 files / 2.4 MB: first %d ms, unchanged median %d ms, one edit median %d ms; archive after 11 snapshots: %d KiB%n",
        first / 1_000_000,
        java.util.Arrays.stream(unchanged).sorted().toArray()[5] / 1_000_000,
        java.util.Arrays.stream(oneEdit).sorted().toArray()[5] / 1_000_000,
        repoBytes / 1024);
    assertThat(store.snapshots("ada")).hasSize(11);
    assertThat(first).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(20));
  }
}
