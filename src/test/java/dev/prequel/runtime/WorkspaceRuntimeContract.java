package dev.prequel.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link WorkspaceRuntime} must do, seen through the interface as the lifecycle, the
 * warm pool and the archive use it. Each runtime's test class extends this and implements the hooks
 * below: how to make the runtime (again, for a restart), and how a candidate or the machine acts on
 * a workspace. A test that a runtime cannot pass by design is skipped through a capability it
 * declares ({@link WorkspaceRuntime#hasSpares}, {@link #runsCommands}), never silently.
 *
 * <p>Interview ids start with {@code rc-} and a random suffix: a runtime's resources (cgroups,
 * containers) are named after them machine-wide, and other test runs share the machine.
 */
public abstract class WorkspaceRuntimeContract {

  /** The memory and process limits a workspace runs under, as seen from inside it. */
  public record SeenLimits(int memoryMb, int maxProcesses) {}

  /** What a command in the workspace printed (stdout and stderr together) and how it exited. */
  public record CommandResult(int exit, String output) {}

  /**
   * Limits a spec asks for in the limit tests: within every runtime's configured ceiling (a test
   * runtime's ceiling must be at least this), and enough for code-server with a terminal.
   */
  protected static final WorkspaceLimits ASKED = new WorkspaceLimits(500, 384, 200);

  @TempDir protected Path scratch;

  /** The runtime under test; a test that restarts it replaces it. */
  protected WorkspaceRuntime runtime;

  private final List<String> used = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  // ---- hooks each runtime's test class implements

  /**
   * A new instance of the runtime under test, over the same machine state as every earlier one of
   * this test (folders, processes, containers): calling it again is a restart of Prequel.
   */
  protected abstract WorkspaceRuntime newRuntime() throws Exception;

  /** The candidate writes a file in the workspace, as their editor or terminal would. */
  protected abstract void candidateWrites(String interviewId, String path, String content)
      throws Exception;

  /** Whether the workspace answers where the proxy reaches it. */
  protected abstract boolean answers(Workspace workspace);

  /**
   * Makes the running workspace be killed for going over its memory limit: for real where the
   * runtime enforces limits, simulated by a test double otherwise.
   */
  protected abstract void killForMemory(String interviewId) throws Exception;

  /**
   * The memory and process limits the workspace runs under, as its processes see them (read from
   * inside, or from what the runtime applied to them: a cgroup, a container's settings).
   */
  protected abstract SeenLimits limitsInside(String interviewId) throws Exception;

  /**
   * Everything the runtime still holds on the machine for this id (processes, cgroups, containers,
   * volumes, folders, mounts), each described in a line; empty when nothing is left.
   */
  protected abstract List<String> leftovers(String interviewId) throws Exception;

  /** Whether {@link #runAsCandidate} can run commands in a workspace (a test double cannot). */
  protected boolean runsCommands() {
    return false;
  }

  /** Runs a shell script in the workspace as the candidate's terminal would. */
  protected CommandResult runAsCandidate(String interviewId, String script) throws Exception {
    throw new UnsupportedOperationException("this runtime's test runs no commands");
  }

  /**
   * Runs a shell script as the candidate where the workspace's files are (in {@code /workspace},
   * with the candidate's HOME): {@link #runAsCandidate} where the runtime's test runs commands; a
   * test double's stand-in runs it over the folders standing for the workspace and its home.
   */
  protected CommandResult candidateShell(String interviewId, String script) throws Exception {
    return runAsCandidate(interviewId, script);
  }

  /** Whether {@link #candidateShell} runs anything (a double without files on disk cannot). */
  protected boolean hasCandidateShell() {
    return runsCommands();
  }

  /** How long a workspace may take to start, answer or stop on this runtime. */
  protected Duration patience() {
    return Duration.ofSeconds(60);
  }

  // ---- set-up

  @BeforeEach
  void startRuntime() throws Exception {
    runtime = newRuntime();
  }

  @AfterEach
  void destroyEverythingUsed() throws Exception {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(patience().toSeconds(), TimeUnit.SECONDS)).isTrue();
    WorkspaceRuntime cleaner = newRuntime();
    for (String id : used) {
      cleaner.destroy(id, line -> {});
    }
  }

  /** A fresh interview id for this test. */
  protected String newId() {
    String id = "rc-" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    used.add(id);
    return id;
  }

  private Workspace startSpare() throws Exception {
    Workspace spare = runtime.startSpare(line -> {});
    used.add(spare.interviewId());
    return spare;
  }

  // ---- idempotent provision, configure, stop and destroy

  @Test
  void provisioningARunningWorkspaceAgainAdoptsIt() throws Exception {
    String id = newId();
    Workspace first = runtime.provision(new WorkspaceSpec(id), line -> {});

    Workspace second = runtime.provision(new WorkspaceSpec(id), line -> {});

    assertThat(second.endpoint()).isEqualTo(first.endpoint());
    assertThat(runtime.list()).filteredOn(w -> w.interviewId().equals(id)).hasSize(1);
    await().atMost(patience()).until(() -> answers(second));
  }

  @Test
  void configuringAgainKeepsTheCandidatesChangesAndLeavesTheManifestOut() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    Path challenge = challenge();
    runtime.configure(id, challenge, line -> {});
    candidateWrites(id, "README.md", "my notes");

    runtime.configure(id, challenge, line -> {});

    assertThat(filesOf(id))
        .containsEntry("README.md", "my notes")
        .containsEntry("src/solution.py", "def solve():\n    pass\n")
        .doesNotContainKey("challenge.yaml");
  }

  @Test
  void stoppingTwiceKeepsTheFilesAndStoppingWhatNeverRanIsHarmless() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    String never = newId();

    runtime.stop(id, line -> {});
    runtime.stop(id, line -> {});
    runtime.stop(never, line -> {});

    assertThat(runtime.find(id)).isEmpty();
    assertThat(runtime.list()).extracting(Workspace::interviewId).doesNotContain(id);
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");
    assertThat(runtime.readFiles(never, new Collect())).as("a stop creates nothing").isFalse();
  }

  @Test
  void destroyingTwiceLeavesNothingAndDestroyingWhatNeverRanIsHarmless() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    String never = newId();

    runtime.destroy(id, line -> {});
    runtime.destroy(id, line -> {});
    runtime.destroy(never, line -> {});

    assertThat(runtime.find(id)).isEmpty();
    assertThat(runtime.readFiles(id, new Collect())).isFalse();
    assertThat(leftovers(id)).isEmpty();
    assertThat(leftovers(never)).isEmpty();
  }

  // ---- adopting after a restart

  @Test
  void aRestartedRuntimeFindsTheRunningWorkspaceAndCanStopAndDestroyIt() throws Exception {
    String id = newId();
    Workspace before = runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    await().atMost(patience()).until(() -> answers(before));

    WorkspaceRuntime previous = runtime;
    runtime = newRuntime();

    Workspace adopted = runtime.find(id).orElseThrow();
    assertThat(adopted.endpoint()).isEqualTo(before.endpoint());
    assertThat(runtime.list()).extracting(Workspace::interviewId).contains(id);
    assertThat(answers(adopted)).as("the adopted workspace still answers").isTrue();
    assertThat(runtime.provision(new WorkspaceSpec(id), line -> {}).endpoint())
        .as("provision adopts it instead of starting a second one")
        .isEqualTo(before.endpoint());

    runtime.stop(id, line -> {});
    assertThat(runtime.find(id)).isEmpty();
    // stopped for real, not only forgotten; a runtime that learns of changes by watching (as
    // another replica's would) may see it an event later
    await().atMost(patience()).until(() -> previous.find(id).isEmpty());
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");

    runtime.destroy(id, line -> {});
    assertThat(runtime.readFiles(id, new Collect())).isFalse();
    assertThat(leftovers(id)).isEmpty();
  }

  @Test
  void aRestartedRuntimeReadsAStoppedWorkspacesFilesAndStartsItOnThem() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    runtime.stop(id, line -> {});

    runtime = newRuntime();

    assertThat(runtime.find(id)).isEmpty();
    assertThat(runtime.list()).extracting(Workspace::interviewId).doesNotContain(id);
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");
    Workspace again = runtime.provision(new WorkspaceSpec(id), line -> {});
    await().atMost(patience()).until(() -> answers(again));
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");
  }

  // ---- readFiles

  @Test
  void theCandidatesFilesCanBeReadWhileRunningAndWhileStopped() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    candidateWrites(id, "src/deep/notes.md", "# notes");

    Map<String, String> running = filesOf(id);
    runtime.stop(id, line -> {});
    Map<String, String> stopped = filesOf(id);

    assertThat(running)
        .containsEntry("answer.txt", "42")
        .containsEntry("src/deep/notes.md", "# notes");
    assertThat(stopped).isEqualTo(running);
  }

  @Test
  void readingFilesSaysNoneForAWorkspaceNeverProvisionedOrDestroyed() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");

    runtime.destroy(id, line -> {});

    Collect afterDestroy = new Collect();
    assertThat(runtime.readFiles(id, afterDestroy)).isFalse();
    assertThat(afterDestroy.files).isEmpty();
    assertThat(runtime.readFiles(newId(), new Collect())).isFalse();
  }

  @Test
  void aSkippedFolderIsNotHandedOver() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "node_modules/left-pad/index.js", "module.exports = 1;");
    candidateWrites(id, "index.js", "require('left-pad');");

    Collect collect = new Collect("node_modules");
    assertThat(runtime.readFiles(id, collect)).isTrue();

    assertThat(collect.files).containsOnlyKeys("index.js");
  }

  @Test
  void aListingVersionsEachFileWithoutTheSkippedFoldersAndOnlyTheNamedFilesAreRead()
      throws Exception {
    // Given a workspace with files, some in a folder the seat skips
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    candidateWrites(id, "src/my notes.md", "# notes");
    candidateWrites(id, "node_modules/left-pad/index.js", "module.exports = 1;");
    Map<String, WorkspaceFile> before = listing(id);

    // When the candidate changes one file to another content of the same size
    candidateWrites(id, "answer.txt", "43");
    Map<String, WorkspaceFile> after = listing(id);

    // Then the listing names the files outside the skipped folder, and only the changed one's
    // version moved
    assertThat(before).containsOnlyKeys("answer.txt", "src/my notes.md");
    assertThat(after.get("answer.txt").size()).isEqualTo(2);
    assertThat(after.get("answer.txt").version()).isNotEqualTo(before.get("answer.txt").version());
    assertThat(after.get("src/my notes.md")).isEqualTo(before.get("src/my notes.md"));
    // and a read of named files hands over those that are files, and nothing else
    Collect some = new Collect();
    assertThat(runtime.readFiles(id, java.util.Set.of("answer.txt", "gone.txt", "src"), some))
        .isTrue();
    assertThat(some.files).containsOnlyKeys("answer.txt").containsEntry("answer.txt", "43");
    // and a workspace that never ran lists nothing
    assertThat(runtime.listFiles(newId(), java.util.Set.of(), f -> {})).isFalse();
  }

  // ---- the seat's cheap look: listing, named files, terminal history

  @Test
  void aLinkOutOfTheWorkspaceIsNeitherListedNorFollowed() throws Exception {
    assumeTrue(hasCandidateShell(), "runtime's test has no candidate shell");
    // Given a candidate's links to a file and a folder outside the workspace, and one inside
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    CommandResult made =
        candidateShell(id, "ln -s /etc/passwd escape && ln -s /etc out && ln -s answer.txt inside");
    assertThat(made.exit()).as(made.output()).isZero();

    // When the seat lists the workspace and asks for the links by name
    Map<String, WorkspaceFile> listed = listing(id);
    Collect read = new Collect();
    assertThat(runtime.readFiles(id, Set.of("escape", "inside", "answer.txt"), read)).isTrue();

    // Then only the regular file is there: no link was followed, in or out of the workspace
    assertThat(listed).containsOnlyKeys("answer.txt");
    assertThat(read.files).containsOnlyKeys("answer.txt");
  }

  @Test
  void namesWithSpacesNewlinesAndWildcardsAreListedAndReadAsTheyAre() throws Exception {
    // Given files whose names a candidate picked to confuse a parser
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "my dir/new\nline.txt", "one");
    candidateWrites(id, "back\\slash [*].txt", "two");
    candidateWrites(id, "7 1 1 fake record.txt", "three");

    // When the seat lists them and reads what it listed
    Map<String, WorkspaceFile> listed = listing(id);
    Collect read = new Collect();
    runtime.readFiles(id, listed.keySet(), read);

    // Then each is one file, under its own name, with its own content
    assertThat(listed)
        .containsOnlyKeys("my dir/new\nline.txt", "back\\slash [*].txt", "7 1 1 fake record.txt");
    assertThat(read.files)
        .containsEntry("my dir/new\nline.txt", "one")
        .containsEntry("back\\slash [*].txt", "two")
        .containsEntry("7 1 1 fake record.txt", "three");
  }

  @Test
  void aHugeFileIsListedWithItsSizeWithoutItsBytesBeingRead() throws Exception {
    assumeTrue(hasCandidateShell(), "runtime's test has no candidate shell");
    // Given a candidate's 8 GiB file (sparse: it takes no disk) beside a small one
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "42");
    CommandResult made = candidateShell(id, "truncate -s 8G huge.bin");
    assertThat(made.exit()).as(made.output()).isZero();

    // When the seat lists the workspace
    Map<String, WorkspaceFile> listed = listing(id);

    // Then both are there, the huge one with its size: a listing that read the bytes would have
    // stopped at a snapshot's bound (2 GiB) without it
    assertThat(listed).containsOnlyKeys("answer.txt", "huge.bin");
    assertThat(listed.get("huge.bin").size()).isEqualTo(8L << 30);
  }

  @Test
  void aListingOfMoreFilesThanItsBoundSaysItWasCutAndSkippedFoldersDoNotCount() throws Exception {
    assumeTrue(hasCandidateShell(), "runtime's test has no candidate shell");
    // Given a workspace with one file more than a listing hands over
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    CommandResult made =
        candidateShell(
            id, "mkdir many && cd many && seq 1 " + (FindListing.MAX_FILES + 1) + " | xargs touch");
    assertThat(made.exit()).as(made.output()).isZero();

    // When the seat lists it, then the listing says it was cut rather than pass for whole
    assertThatThrownBy(() -> runtime.listFiles(id, Set.of(), f -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("more than " + FindListing.MAX_FILES + " files");
    // and the same files below a folder the seat skips cost nothing
    assertThat(candidateShell(id, "mv many node_modules").exit()).isZero();
    assertThat(listing(id)).isEmpty();
  }

  @Test
  void theCommandsTheTerminalRanAreReadBackWithTheirTimesButNotOnesTypedWithALeadingSpace()
      throws Exception {
    assumeTrue(hasCandidateShell(), "runtime's test has no candidate shell");
    // Given a workspace whose terminal has run nothing yet
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    assertThat(runtime.terminalHistory(id)).as("nothing ran yet").isEmpty();
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    // When the candidate types three commands into the terminal's bash, one after a space
    CommandResult typed =
        candidateShell(id, terminalBash("echo hello", " echo not for the seat", "ls -la"));
    assertThat(typed.exit()).as(typed.output()).isZero();

    // Then the seat reads back the two others, each with its time
    List<TerminalHistory.Command> commands =
        TerminalHistory.parse(runtime.terminalHistory(id).orElseThrow());
    assertThat(commands)
        .extracting(TerminalHistory.Command::line)
        .containsExactly("echo hello", "ls -la");
    assertThat(commands)
        .allSatisfy(c -> assertThat(c.at()).isBetween(before, Instant.now().plusSeconds(1)));
    // and a workspace that never ran has none
    assertThat(runtime.terminalHistory(newId())).isEmpty();
  }

  @Test
  void aFifoInTheHistorysPlaceIsNotOpenedAndCostsTheSeatNothing() throws Exception {
    assumeTrue(hasCandidateShell(), "runtime's test has no candidate shell");
    // Given a candidate who puts a FIFO where the terminal history goes (reading it would block)
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    CommandResult made = candidateShell(id, "mkfifo \"$HOME/.bash_history\"");
    assertThat(made.exit()).as(made.output()).isZero();

    // When the seat reads the history, then it finds none, well before the read's own deadline
    long started = System.nanoTime();
    assertThat(runtime.terminalHistory(id)).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isLessThan(Duration.ofSeconds(TerminalHistory.MAX_SECONDS));
  }

  /**
   * A script typing {@code lines} into an interactive bash started as the workspace's terminals
   * start it ({@link TerminalHistory#SHELL_ENVIRONMENT}, which code-server's settings give them).
   */
  public static String terminalBash(String... lines) {
    StringBuilder script = new StringBuilder("env");
    TerminalHistory.SHELL_ENVIRONMENT.forEach(
        (name, value) ->
            script
                .append(' ')
                .append(name)
                .append("='")
                .append(value.replace("'", "'\\''"))
                .append('\''));
    script.append(" bash -i >/dev/null 2>&1 <<'TYPED'\n");
    for (String line : lines) {
      script.append(line).append('\n');
    }
    return script.append("TYPED\n").toString();
  }

  private Map<String, WorkspaceFile> listing(String interviewId) throws IOException {
    Map<String, WorkspaceFile> files = new TreeMap<>();
    assertThat(
            runtime.listFiles(
                interviewId, java.util.Set.of("node_modules"), f -> files.put(f.path(), f)))
        .isTrue();
    return files;
  }

  // ---- whyStopped

  @Test
  void aWorkspaceKilledForMemorySaysSoOnceItHasStopped() throws Exception {
    String id = newId();
    Workspace workspace = runtime.provision(new WorkspaceSpec(id, ASKED), line -> {});
    await().atMost(patience()).until(() -> answers(workspace));
    assertThat(runtime.whyStopped(id)).as("nothing to say while it runs").isEmpty();

    killForMemory(id);

    await().atMost(patience()).until(() -> runtime.find(id).isEmpty());
    assertThat(runtime.whyStopped(id))
        .hasValueSatisfying(why -> assertThat(why).contains("memory"));
    assertThat(filesOf(id)).as("its files are kept for the archive").isNotNull();
    runtime = newRuntime();
    assertThat(runtime.whyStopped(id))
        .as("a restarted Prequel can still tell")
        .hasValueSatisfying(why -> assertThat(why).contains("memory"));
  }

  // ---- spares and claim

  @Test
  void aClaimedSpareBecomesTheInterviewsWorkspaceWithItsLimitsAndTheSpareIdNamesNothing()
      throws Exception {
    assumeTrue(runtime.hasSpares(), "runtime has no spares");
    Workspace spare = startSpare();
    assertThat(runtime.spares()).contains(spare.interviewId());
    assertThat(runtime.list())
        .extracting(Workspace::interviewId)
        .doesNotContain(spare.interviewId());
    await().atMost(patience()).until(() -> answers(spare));
    String id = newId();

    boolean claimed = runtime.claim(spare.interviewId(), new WorkspaceSpec(id, ASKED), line -> {});

    assertThat(claimed).isTrue();
    Workspace mine = runtime.find(id).orElseThrow();
    assertThat(mine.endpoint()).isEqualTo(spare.endpoint());
    assertThat(answers(mine)).isTrue();
    assertThat(runtime.list()).extracting(Workspace::interviewId).contains(id);
    assertThat(runtime.spares()).doesNotContain(spare.interviewId());
    assertThat(runtime.find(spare.interviewId())).isEmpty();
    assertThat(runtime.claim(spare.interviewId(), new WorkspaceSpec(newId()), line -> {}))
        .as("a spare is claimed once")
        .isFalse();
    assertThat(limitsInside(id)).isEqualTo(new SeenLimits(ASKED.memoryMb(), ASKED.maxProcesses()));
    candidateWrites(id, "answer.txt", "42");
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");
    assertThat(runtime.readFiles(spare.interviewId(), new Collect())).isFalse();
    runtime.stop(spare.interviewId(), line -> {});
    runtime.destroy(spare.interviewId(), line -> {});
    assertThat(runtime.find(id))
        .as("stopping or destroying the spare id touches nothing")
        .isPresent();
    assertThat(answers(mine)).isTrue();
    assertThat(filesOf(id)).containsEntry("answer.txt", "42");

    runtime.destroy(id, line -> {});
    assertThat(leftovers(id)).isEmpty();
    assertThat(leftovers(spare.interviewId())).isEmpty();
  }

  @Test
  void claimingASpareThatNoLongerRunsChangesNothing() throws Exception {
    assumeTrue(runtime.hasSpares(), "runtime has no spares");
    Workspace spare = startSpare();
    runtime.destroy(spare.interviewId(), line -> {});
    String id = newId();

    boolean claimed = runtime.claim(spare.interviewId(), new WorkspaceSpec(id), line -> {});

    assertThat(claimed).isFalse();
    assertThat(runtime.find(id)).isEmpty();
    assertThat(runtime.readFiles(id, new Collect())).isFalse();
  }

  @Test
  void claimingASpareForAnInterviewThatHasAWorkspaceChangesNothing() throws Exception {
    assumeTrue(runtime.hasSpares(), "runtime has no spares");
    String id = newId();
    Workspace own = runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "mine");
    Workspace spare = startSpare();

    boolean claimed = runtime.claim(spare.interviewId(), new WorkspaceSpec(id), line -> {});

    assertThat(claimed).isFalse();
    assertThat(runtime.find(id).orElseThrow().endpoint()).isEqualTo(own.endpoint());
    assertThat(filesOf(id)).containsEntry("answer.txt", "mine");
    assertThat(runtime.spares()).contains(spare.interviewId());
  }

  @Test
  void aRestartedRuntimeKnowsItsSparesAndClaimsThem() throws Exception {
    assumeTrue(runtime.hasSpares(), "runtime has no spares");
    Workspace spare = startSpare();
    String id = newId();

    runtime = newRuntime();

    assertThat(runtime.spares()).contains(spare.interviewId());
    assertThat(runtime.claim(spare.interviewId(), new WorkspaceSpec(id), line -> {})).isTrue();
    runtime = newRuntime();
    assertThat(runtime.find(id)).map(Workspace::endpoint).contains(spare.endpoint());
    assertThat(runtime.spares()).doesNotContain(spare.interviewId());
  }

  // ---- concurrency

  @Test
  void theSameIdProvisionedTwiceAtOnceStartsOneWorkspace() throws Exception {
    String id = newId();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Workspace>> calls = new ArrayList<>();
    for (int n = 0; n < 2; n++) {
      calls.add(
          threads.submit(
              () -> {
                go.await();
                return runtime.provision(new WorkspaceSpec(id), line -> {});
              }));
    }

    go.countDown();

    Workspace a = calls.get(0).get(patience().toSeconds(), TimeUnit.SECONDS);
    Workspace b = calls.get(1).get(patience().toSeconds(), TimeUnit.SECONDS);
    assertThat(a.endpoint()).isEqualTo(b.endpoint());
    assertThat(runtime.list()).filteredOn(w -> w.interviewId().equals(id)).hasSize(1);
    await().atMost(patience()).until(() -> answers(a));
    runtime.destroy(id, line -> {});
    assertThat(leftovers(id)).as("no second workspace left running").isEmpty();
  }

  @Test
  void destroyingWhileProvisioningEndsWithNothingRunningAndNothingLeft() throws Exception {
    String id = newId();
    CountDownLatch underway = new CountDownLatch(1);
    Future<Workspace> provisioning =
        threads.submit(
            () -> runtime.provision(new WorkspaceSpec(id), line -> underway.countDown()));
    assertThat(underway.await(patience().toSeconds(), TimeUnit.SECONDS))
        .as("provision says what it does")
        .isTrue();

    runtime.destroy(id, line -> {});

    try {
      provisioning.get(patience().toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException refused) {
      // A runtime may abandon the provision it was destroyed under: nothing to assert on it.
    }
    assertThat(runtime.find(id)).isEmpty();
    assertThat(runtime.list()).extracting(Workspace::interviewId).doesNotContain(id);
    assertThat(runtime.readFiles(id, new Collect())).isFalse();
    assertThat(leftovers(id)).isEmpty();
  }

  @Test
  void aWorkspaceProvisionedAgainAfterADestroyStartsWithoutTheOldFiles() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    candidateWrites(id, "answer.txt", "the previous candidate's");
    runtime.destroy(id, line -> {});

    Workspace fresh = runtime.provision(new WorkspaceSpec(id), line -> {});

    await().atMost(patience()).until(() -> answers(fresh));
    assertThat(filesOf(id)).doesNotContainKey("answer.txt");
  }

  // ---- files across a stop

  @Test
  void theCandidatesFilesSurviveAStopAndTheNextProvision() throws Exception {
    String id = newId();
    runtime.provision(new WorkspaceSpec(id), line -> {});
    runtime.configure(id, challenge(), line -> {});
    candidateWrites(id, "src/solution.py", "def solve():\n    return 42\n");
    runtime.stop(id, line -> {});

    Workspace again = runtime.provision(new WorkspaceSpec(id), line -> {});

    await().atMost(patience()).until(() -> answers(again));
    assertThat(filesOf(id))
        .containsEntry("src/solution.py", "def solve():\n    return 42\n")
        .containsEntry("README.md", "# The challenge\n");
    if (runsCommands()) {
      assertThat(runAsCandidate(id, "cat src/solution.py").output()).contains("return 42");
    }
  }

  // ---- limits

  @Test
  void theWorkspaceRunsUnderTheLimitsItsSpecAsksFor() throws Exception {
    String id = newId();

    runtime.provision(new WorkspaceSpec(id, ASKED), line -> {});

    assertThat(limitsInside(id)).isEqualTo(new SeenLimits(ASKED.memoryMb(), ASKED.maxProcesses()));
  }

  @Test
  void aCandidateCannotStartMoreProcessesThanTheLimitAndTheWorkspaceLivesOn() throws Exception {
    assumeTrue(runsCommands(), "runtime's test runs no commands");
    String id = newId();
    Workspace workspace = runtime.provision(new WorkspaceSpec(id, ASKED), line -> {});
    await().atMost(patience()).until(() -> answers(workspace));

    CommandResult r =
        runAsCandidate(
            id,
            "n=0; for i in $(seq 1 "
                + (ASKED.maxProcesses() + 100)
                + "); do sleep 60 & [ $? -eq 0 ] && n=$((n+1)); done 2>&1 | tail -n 2;"
                + " kill $(jobs -p) 2>/dev/null; echo done");

    assertThat(r.output()).containsIgnoringCase("resource temporarily unavailable");
    await().atMost(patience()).until(() -> answers(workspace));
  }

  @Test
  void aCandidateProcessAllocatingPastTheMemoryLimitIsKilledAndTheWorkspaceLivesOn()
      throws Exception {
    assumeTrue(runsCommands(), "runtime's test runs no commands");
    String id = newId();
    Workspace workspace = runtime.provision(new WorkspaceSpec(id, ASKED), line -> {});
    await().atMost(patience()).until(() -> answers(workspace));

    CommandResult r =
        runAsCandidate(
            id,
            "python3 -c \"x = b'x' * ("
                + (ASKED.memoryMb() * 2)
                + " * 1024 * 1024); print('all' + 'ocated')\"; echo exit=$?");

    assertThat(r.output()).doesNotContain("allocated").contains("exit=137");
    assertThat(runtime.find(id)).isPresent();
    assertThat(answers(workspace)).isTrue();
  }

  // ---- helpers

  /** A challenge folder as the library hands it over: files and its manifest. */
  private Path challenge() throws IOException {
    Path dir = Files.createTempDirectory(scratch, "challenge-");
    Files.writeString(dir.resolve("challenge.yaml"), "id: contract\ntitle: Contract\n");
    Files.writeString(dir.resolve("README.md"), "# The challenge\n");
    Files.createDirectories(dir.resolve("src"));
    Files.writeString(dir.resolve("src/solution.py"), "def solve():\n    pass\n");
    return dir;
  }

  /** The workspace's files by path, as the archive would take them; fails when there are none. */
  protected Map<String, String> filesOf(String interviewId) throws IOException {
    Collect collect = new Collect();
    assertThat(runtime.readFiles(interviewId, collect)).as("%s has files", interviewId).isTrue();
    return collect.files;
  }

  /** Collects every file's content, skipping folders with the given names. */
  protected static final class Collect implements WorkspaceFileVisitor {
    final Map<String, String> files = new TreeMap<>();
    private final List<String> skipped;

    Collect(String... skipped) {
      this.skipped = List.of(skipped);
    }

    @Override
    public boolean enterFolder(String path) {
      return !skipped.contains(path.substring(path.lastIndexOf('/') + 1));
    }

    @Override
    public java.util.Set<String> excludedFolderNames() {
      return java.util.Set.copyOf(skipped);
    }

    @Override
    public void file(String path, long size, boolean executable, Content content)
        throws IOException {
      try (InputStream in = content.open()) {
        files.put(path, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
  }
}
