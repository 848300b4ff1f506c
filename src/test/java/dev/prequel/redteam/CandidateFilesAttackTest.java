package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.archive.GitArchiveStore;
import dev.prequel.archive.Snapshot;
import dev.prequel.archive.SnapshotFile;
import dev.prequel.archive.SnapshotPolicy;
import dev.prequel.archive.Snapshots;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.Isolation;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The candidate against the way files move into and out of their workspace. Each test plays the
 * candidate with a shell in their own sandbox ({@link LocalRuntime#exec}) and asserts the outcome.
 *
 * <p>Attacks covered:
 *
 * <ul>
 *   <li>links planted where configure writes the challenge's files, to a root-owned host file and
 *       folder: root must not write through them
 *   <li>links planted where the reuse cache is copied in, and where the npm cache is handed over
 *   <li>a workspace that was not new must not fill the shared reuse cache (poisoning)
 *   <li>a parent folder swapped for a link to a host folder, in a loop, while snapshots run
 *   <li>FIFOs and (attempted) device nodes in /workspace: the snapshot must not block
 *   <li>more files than a snapshot reads: the snapshot is bounded and says so
 *   <li>symbolic link loops; file names with a newline and with bytes that are no UTF-8
 *   <li>hard links to root's files (refused by the kernel; content never archived)
 *   <li>a fork bomb running during a snapshot: the snapshot completes, another interview works
 *   <li>links in the workspace and home when the workspace is destroyed
 * </ul>
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateFilesAttackTest {

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String CF_A = TestIds.of("cf-a");
  private static final String CF_B = TestIds.of("cf-b");
  private static final String CF_R1 = TestIds.of("cf-r1");
  private static final String CF_R2 = TestIds.of("cf-r2");
  private static final String CF_P = TestIds.of("cf-p");
  private static final String CF_F = TestIds.of("cf-f");
  private static final String CF_N = TestIds.of("cf-n");
  private static final String CF_D = TestIds.of("cf-d");
  private static final String CF_M = TestIds.of("cf-m");

  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 512, 160);
  private static final String HOST_SECRET = "host secret: root's only";

  @TempDir static Path data;
  static LocalRuntime runtime;
  static Path host;
  static Path challenge;

  @BeforeAll
  static void startWorkspaces() throws Exception {
    runtime = dev.prequel.testing.SandboxedRuntime.in(data.resolve("workspaces"), LIMITS);
    // Root's own files outside any workspace: what an attack would change or read.
    host = data.resolve("host");
    Files.createDirectories(host.resolve("folder/sub"));
    Files.writeString(host.resolve("victim.txt"), HOST_SECRET);
    Files.writeString(host.resolve("folder/sub/notes.txt"), HOST_SECRET);
    challenge = data.resolve("challenge");
    Files.createDirectories(challenge.resolve("tests"));
    Files.writeString(challenge.resolve("README.md"), "# Task\n");
    Files.writeString(challenge.resolve("tests/test_task.py"), "def test(): pass\n");
    Files.writeString(challenge.resolve("challenge.yaml"), "title: Task\n");
    for (String id : List.of(CF_A, CF_B)) {
      runtime.provision(new WorkspaceSpec(id), line -> {});
    }
  }

  @AfterAll
  static void destroyAll() throws Exception {
    for (String id : List.of(CF_A, CF_B, CF_R1, CF_R2, CF_P, CF_F, CF_N, CF_D, CF_M)) {
      runtime.destroy(id, line -> {});
    }
  }

  @Test
  void configureDoesNotWriteThroughLinksTheCandidatePlanted() throws Exception {
    Result planted =
        in(
            CF_A,
            "ln -s "
                + host.resolve("victim.txt")
                + " /workspace/README.md && ln -s "
                + host.resolve("folder")
                + " /workspace/tests && echo planted");
    assertThat(planted.output()).contains("planted");

    try {
      runtime.configure(CF_A, challenge, line -> {});
    } catch (Exception refused) {
      // refusing is fine too: what matters is the host
    }

    assertThat(host.resolve("victim.txt")).hasContent(HOST_SECRET);
    assertThat(host.resolve("folder/test_task.py")).doesNotExist();
    assertThat(listing(host.resolve("folder"))).containsExactly("sub", "sub/notes.txt");
  }

  @Test
  void theReuseCacheIsCopiedInWithoutFollowingPlantedLinks() throws Exception {
    WorkspaceSetup setup =
        reusing("v-links", "mkdir -p deps/inner && echo lib > deps/inner/lib.txt");
    runtime.provision(new WorkspaceSpec(CF_R1), line -> {});
    runtime.runSetup(CF_R1, setup, line -> {}); // fresh: fills the cache
    runtime.provision(new WorkspaceSpec(CF_R2), line -> {});
    in(
        CF_R2,
        "mkdir -p /workspace/deps && ln -s " + host.resolve("folder") + " /workspace/deps/inner");
    List<String> log = new ArrayList<>();

    try {
      runtime.runSetup(CF_R2, setup, log::add);
    } catch (Exception refused) {
      // the candidate broke their own copy: fine, as long as the host is untouched
      log.add(refused.getMessage());
    }

    assertThat(log).anyMatch(l -> l.startsWith("setup: reused") || l.contains("tar could not"));
    assertThat(host.resolve("folder/lib.txt")).doesNotExist();
    assertThat(listing(host.resolve("folder"))).containsExactly("sub", "sub/notes.txt");
  }

  @Test
  void aWorkspaceThatWasNotNewNeverFillsTheSharedReuseCache() throws Exception {
    runtime.provision(new WorkspaceSpec(CF_P), line -> {});
    runtime.stop(CF_P, line -> {});
    runtime.provision(new WorkspaceSpec(CF_P), line -> {}); // its files survived: not new
    in(CF_P, "mkdir -p /workspace/deps && echo 'poisoned' > /workspace/deps/evil.js");
    List<String> log = new ArrayList<>();

    runtime.runSetup(CF_P, reusing("v-poison", "mkdir -p deps && echo ok > deps/ok.js"), log::add);

    assertThat(log).contains("setup: not kept for reuse (the workspace was not new)");
    runtime.provision(new WorkspaceSpec(CF_N), line -> {});
    List<String> next = new ArrayList<>();
    runtime.runSetup(CF_N, reusing("v-poison", "mkdir -p deps && echo ok > deps/ok.js"), next::add);
    assertThat(next).noneMatch(l -> l.startsWith("setup: reused"));
    assertThat(files(CF_N)).containsKey("deps/ok.js").doesNotContainKey("deps/evil.js");
  }

  @Test
  void theNpmCacheHandOverDoesNotFollowLinksInTheCandidatesHome() throws Exception {
    // Prequel's own npm cache, as an earlier fill left it.
    Path cache = data.resolve("cache/npm/_cacache/index-v5/ab");
    Files.createDirectories(cache);
    Files.writeString(cache.resolve("entry"), "an index entry");
    in(
        CF_B,
        "printf '{\"name\":\"x\",\"version\":\"1.0.0\"}' > /workspace/package.json &&"
            + " printf '{\"name\":\"x\",\"lockfileVersion\":3,\"packages\":{\"\":{\"name\":\"x\"}}}'"
            + " > /workspace/package-lock.json && mkdir -p /home/candidate/.npm/_cacache &&"
            + " ln -s "
            + host.resolve("folder")
            + " /home/candidate/.npm/_cacache/index-v5");

    try {
      runtime.runSetup(
          CF_B,
          new WorkspaceSetup(List.of("true"), Duration.ofSeconds(60), List.of(), List.of(), "n1"),
          line -> {});
    } catch (Exception refused) {
      // the candidate broke their own cache: fine, as long as the host is untouched
    }

    assertThat(host.resolve("folder/ab")).doesNotExist();
    assertThat(listing(host.resolve("folder"))).containsExactly("sub", "sub/notes.txt");
  }

  @Test
  void swappingAParentFolderForAHostLinkDuringSnapshotsPutsNoHostFileInTheArchive()
      throws Exception {
    in(
        CF_A,
        "mkdir -p /workspace/swap/folder/sub && echo mine > /workspace/swap/folder/sub/notes.txt");
    // The candidate's loop: the folder, then a link to root's folder of the same shape, and back.
    Process swapping =
        CandidateShell.exec(
            runtime,
            CF_A,
            List.of(
                "/bin/bash",
                "-c",
                "cd /workspace/swap; end=$((SECONDS+20)); while [ $SECONDS -lt $end ]; do"
                    + " mv folder real; ln -s "
                    + host.resolve("folder")
                    + " folder; rm folder; mv real folder; done"));
    try {
      for (int round = 0; round < 15; round++) {
        Map<String, String> seen = files(CF_A);
        assertThat(seen.values()).noneMatch(content -> content.contains(HOST_SECRET));
      }
    } finally {
      swapping.destroyForcibly();
      swapping.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void fifosAndDeviceNodesDoNotBlockASnapshot() throws Exception {
    Result made =
        in(
            CF_A,
            "mkdir -p /workspace/odd && mkfifo /workspace/odd/pipe && echo fifo;"
                + " mknod /workspace/odd/null c 1 3 && echo device;"
                + " echo code > /workspace/odd/code.py; ls -l /workspace/odd");
    assertThat(made.output()).contains("fifo").doesNotContain("device\n");

    long started = System.nanoTime();
    Map<String, String> seen = files(CF_A);

    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(20);
    assertThat(seen).containsKey("odd/code.py").doesNotContainKey("odd/pipe");
  }

  @Test
  void aWorkspaceWithMoreFilesThanASnapshotReadsIsCutAndSaysSo() throws Exception {
    Result made =
        in(
            CF_B,
            "mkdir -p /workspace/many && cd /workspace/many && python3 -c 'import os\n"
                + "for d in range(110):\n os.mkdir(str(d)); [open(f\"{d}/{i}\", \"w\").close()"
                + " for i in range(1000)]' && echo made");
    assertThat(made.output()).contains("made");
    List<String> truncated = new ArrayList<>();
    int[] files = {0};

    long started = System.nanoTime();
    boolean exists =
        runtime.readFiles(
            CF_B,
            new Visitor() {
              @Override
              public void file(String path, long size, boolean executable, Content content) {
                files[0]++;
              }

              @Override
              public void truncated(String why) {
                truncated.add(why);
              }
            });
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.printf("[measure] reading a workspace of 110,000 files: %d ms%n", ms);

    assertThat(exists).isTrue();
    assertThat(files[0]).isLessThanOrEqualTo(100_000).isGreaterThan(50_000);
    assertThat(truncated).singleElement().asString().contains("more than 100000 files");
    in(CF_B, "rm -rf /workspace/many");
  }

  @Test
  void linkLoopsAndOddNamesDoNotBreakASnapshot() throws Exception {
    Result made =
        in(
            CF_A,
            "mkdir -p /workspace/names/loop && cd /workspace/names && ln -s a b && ln -s b a"
                + " && ln -s . loop/self && ln -s ../loop loop/up"
                + " && printf one > \"$(printf 'new\\nline.txt')\""
                + " && printf two > \"$(printf 'bad\\377name.txt')\" && echo made");
    assertThat(made.output()).contains("made");
    GitArchiveStore store = new GitArchiveStore(data.resolve("archive-names"));
    Snapshots snapshots =
        new Snapshots(
            store,
            runtime,
            new SnapshotPolicy(SnapshotPolicy.DEFAULT_EXCLUDED, SnapshotPolicy.DEFAULT_MAX_BYTES),
            Clock.systemUTC());

    Snapshot snapshot = snapshots.take(CF_A, Snapshot.PERIODIC).orElseThrow();

    List<String> names = store.files(CF_A, snapshot.id()).stream().map(SnapshotFile::path).toList();
    assertThat(names).contains("names/new\nline.txt", "names/bad\uFFFDname.txt");
    assertThat(names).noneMatch(n -> n.startsWith("names/loop/self") || n.equals("names/a"));
  }

  @Test
  void hardLinksToRootsFilesAreRefusedAndRootsFilesAreNeverArchived() throws Exception {
    // A root-owned file that only root may read, inside the workspace (as a careless host might
    // leave one), beside root's files the sandbox shows read-only.
    Path rootFile = data.resolve("workspaces/" + CF_A + "/workspace/root-only.txt");
    Files.writeString(rootFile, HOST_SECRET);
    Files.setPosixFilePermissions(
        rootFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    Result r =
        in(
            CF_A,
            "ln /workspace/root-only.txt /workspace/linked.txt && echo linked-root;"
                + " ln /etc/passwd /workspace/passwd.txt && echo linked-passwd; true");

    assertThat(r.output()).doesNotContain("linked-root").doesNotContain("linked-passwd");
    Map<String, String> seen = files(CF_A);
    assertThat(seen.values()).noneMatch(content -> content.contains(HOST_SECRET));
    Files.delete(rootFile);
  }

  @Test
  void aForkBombDuringASnapshotNeitherStopsItNorOtherInterviews() throws Exception {
    runtime.provision(new WorkspaceSpec(CF_F), line -> {});
    in(CF_F, "echo answer > /workspace/answer.py");
    Path pidsCurrent =
        Isolation.detect().cgroups().resolve("pids/prequel/" + CF_F + "/pids.current");
    Process bomb =
        CandidateShell.exec(
            runtime, CF_F, List.of("/bin/bash", "-c", "b() { b | b & }; b; sleep 30"));
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  Long.parseLong(Files.readString(pidsCurrent).strip())
                      >= LIMITS.maxProcesses() - 2);

      long started = System.nanoTime();
      Map<String, String> seen = files(CF_F);
      System.out.printf(
          "[measure] a snapshot during a fork bomb: %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));

      assertThat(seen).containsEntry("answer.py", "answer\n");
      assertThat(
              in(CF_A, "echo still here > /workspace/other.txt && cat /workspace/other.txt")
                  .output())
          .contains("still here");
      assertThat(files(CF_A)).containsEntry("other.txt", "still here\n");
    } finally {
      bomb.destroyForcibly();
      runtime.destroy(CF_F, line -> {});
    }
  }

  @Test
  void destroyRemovesLinksNotWhatTheyName() throws Exception {
    runtime.provision(new WorkspaceSpec(CF_D), line -> {});
    in(
        CF_D,
        "ln -s "
            + host.resolve("folder")
            + " /workspace/hostfolder && ln -s "
            + host.resolve("victim.txt")
            + " /home/candidate/victim && mkdir -p /workspace/deep/er && ln -s "
            + host
            + " /workspace/deep/er/host");

    runtime.destroy(CF_D, line -> {});

    assertThat(data.resolve("workspaces/" + CF_D)).doesNotExist();
    assertThat(host.resolve("victim.txt")).hasContent(HOST_SECRET);
    assertThat(listing(host.resolve("folder"))).containsExactly("sub", "sub/notes.txt");
  }

  @Test
  void measureASnapshotOfATypicalWorkspace() throws Exception {
    runtime.provision(new WorkspaceSpec(CF_M), line -> {});
    in(
        CF_M,
        String.join(
            "; ",
            "cd /workspace",
            "for m in 0 1 2 3 4; do mkdir -p src/m$m; done",
            "for i in $(seq 0 29); do yes 'x = 1' | head -n $((300 + i)) > src/m$((i % 5))/f$i.py;"
                + " done",
            "for p in $(seq 0 99); do mkdir -p node_modules/pkg$p/lib; for f in $(seq 0 29); do"
                + " yes 'module.exports = 1;' | head -n 50 > node_modules/pkg$p/lib/f$f.js; done;"
                + " done"));
    Snapshots snapshots =
        new Snapshots(
            new GitArchiveStore(data.resolve("archive-timing")),
            runtime,
            new SnapshotPolicy(SnapshotPolicy.DEFAULT_EXCLUDED, SnapshotPolicy.DEFAULT_MAX_BYTES),
            Clock.systemUTC());
    List<Long> ms = new ArrayList<>();
    Snapshot last = null;
    for (int round = 0; round < 8; round++) {
      in(CF_M, "echo 'x = " + round + "' > /workspace/src/m0/f0.py");
      long started = System.nanoTime();
      last = snapshots.take(CF_M, Snapshot.PERIODIC).orElseThrow();
      ms.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
    System.out.println(
        "[measure] snapshot of a typical workspace (30 files + 3000 in node_modules), ms per round: "
            + ms);

    assertThat(last.fileCount()).isEqualTo(30);
    assertThat(last.skippedFolders()).containsExactly("node_modules");
  }

  // ---- helpers

  private static WorkspaceSetup reusing(String version, String command) {
    return new WorkspaceSetup(
        List.of(command), Duration.ofSeconds(60), List.of(), List.of("deps"), version);
  }

  /** Every file a snapshot would read, with its content. */
  private static Map<String, String> files(String id) throws IOException {
    Map<String, String> seen = new HashMap<>();
    runtime.readFiles(
        id,
        new Visitor() {
          @Override
          public void file(String path, long size, boolean executable, Content content)
              throws IOException {
            try (InputStream in = content.open()) {
              seen.put(path, new String(in.readNBytes(4096), StandardCharsets.UTF_8));
            }
          }
        });
    return seen;
  }

  private abstract static class Visitor implements WorkspaceFileVisitor {
    @Override
    public boolean enterFolder(String path) {
      return true;
    }

    @Override
    public Set<String> excludedFolderNames() {
      return SnapshotPolicy.DEFAULT_EXCLUDED;
    }
  }

  private static List<String> listing(Path folder) throws IOException {
    try (var walk = Files.walk(folder)) {
      return walk.filter(p -> !p.equals(folder))
          .map(p -> folder.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  record Result(int exit, String output) {}

  private static Result in(String id, String script) throws Exception {
    Process p = CandidateShell.exec(runtime, id, List.of("/bin/bash", "-c", script));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("[candidate " + id + "] " + out.replace("\n", "\n[candidate] "));
    return new Result(p.exitValue(), out);
  }
}
