package dev.prequel.seat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.testing.FakeRuntime;
import dev.prequel.testing.MutableClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seat's looks over a runtime that keeps files in memory: what it shows against the start, what
 * it reads again, and when it looks at all.
 */
class SeatTest {

  private static final String ID = "st-seat-1";

  @TempDir Path challenge;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final FakeRuntime fake = new FakeRuntime(clock);
  private final Counting runtime = new Counting(fake);
  private Seat seat;

  @BeforeEach
  void startTheInterview() throws Exception {
    Files.writeString(challenge.resolve("challenge.yaml"), "id: c\ntitle: C\n");
    Files.writeString(challenge.resolve("README.md"), "# Task\n");
    Files.writeString(challenge.resolve("solution.py"), "def solve():\n    pass\n");
    fake.provision(new WorkspaceSpec(ID), line -> {});
    fake.configure(ID, challenge, line -> {});
    seat = new Seat(runtime, id -> Optional.of(challenge), Set.of("node_modules"), clock);
  }

  @AfterEach
  void closeTheSeat() {
    seat.close();
  }

  @Test
  void anUntouchedWorkspaceShowsTheStartingFilesAndNoChanges() {
    SeatView view = seat.view(ID, "README.md");

    assertThat(view.running()).isTrue();
    assertThat(view.files())
        .extracting(SeatView.Entry::path, SeatView.Entry::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("README.md", SeatView.State.UNCHANGED),
            org.assertj.core.groups.Tuple.tuple("solution.py", SeatView.State.UNCHANGED));
    assertThat(view.changes()).isEmpty();
    assertThat(view.opened().text()).isEqualTo("# Task\n");
  }

  @Test
  void changesShowAgainstTheStartAndOnlyTheChangedFilesAreReadAgain() {
    // Given a seat that looked once
    seat.view(ID, null);
    runtime.asked.clear();

    // When the candidate edits one file, adds one, deletes one, and fills node_modules
    fake.write(ID, "solution.py", "def solve():\n    return 42\n");
    fake.write(ID, "notes.txt", "try a dict\n");
    fake.write(ID, "node_modules/x/index.js", "1");
    fake.files.get(ID).remove("README.md");
    var watch = seat.watch(ID, (version, changed) -> {});
    await().atMost(Duration.ofSeconds(5)).until(() -> !runtime.asked.isEmpty());
    watch.close();
    SeatView view = seat.view(ID, "solution.py");

    // Then each shows as such, with its patch, and only the new and changed files were read
    assertThat(view.files())
        .extracting(SeatView.Entry::path, SeatView.Entry::state)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("README.md", SeatView.State.DELETED),
            org.assertj.core.groups.Tuple.tuple("notes.txt", SeatView.State.ADDED),
            org.assertj.core.groups.Tuple.tuple("solution.py", SeatView.State.MODIFIED));
    assertThat(view.changes())
        .filteredOn(c -> c.path().equals("solution.py"))
        .singleElement()
        .satisfies(
            c -> assertThat(c.patch()).contains("-    pass", "+    return 42", "@@ -1,2 +1,2 @@"));
    assertThat(view.opened().text()).contains("return 42");
    assertThat(runtime.asked.get(0)).containsExactlyInAnyOrder("notes.txt", "solution.py");
  }

  @Test
  void theWorkspaceIsLookedAtOnlyWhileSomeoneWatches() {
    // Given two watchers
    List<Long> seen = new CopyOnWriteArrayList<>();
    var first = seat.watch(ID, (version, changed) -> seen.add(version));
    var second = seat.watch(ID, (version, changed) -> {});
    await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
    assertThat(seat.watchedSeats()).isEqualTo(1);

    // When one leaves, the looking goes on; when the last leaves, it stops
    first.close();
    assertThat(seat.watchedSeats()).isEqualTo(1);
    second.close();
    assertThat(seat.watchedSeats()).isZero();
    int listings = runtime.listings.get();
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(4))
        .until(() -> runtime.listings.get() == listings);
  }

  @Test
  void aWorkspaceWithoutFilesSaysSoAndAFileTooLargeIsListedNotShown() throws Exception {
    fake.write(ID, "big.log", "x".repeat(SeatState.MAX_FILE_BYTES + 1));
    SeatView view = seat.view(ID, "big.log");
    assertThat(view.opened().text()).isNull();
    assertThat(view.opened().why()).contains("larger than 256 KB");

    SeatView gone = seat.view("st-never-started", null);
    assertThat(gone.running()).isFalse();
    assertThat(gone.files()).isEmpty();
  }

  @Test
  void theTerminalsCommandsShowWithTheirTimesAndANewOneIsAChange() {
    // Given a seat that looked at a workspace whose terminal ran one command
    runtime.history = "#1796212800\nls -la\n".getBytes(StandardCharsets.UTF_8);
    SeatView first = seat.view(ID, null);
    clock.advance(Seat.EVERY.plusSeconds(1));

    // When the candidate runs another one (a multi-line one) and the seat looks again
    runtime.history =
        "#1796212800\nls -la\n#1796212860\nfor f in *; do\n  wc -l \"$f\"\ndone\n"
            .getBytes(StandardCharsets.UTF_8);
    SeatView second = seat.view(ID, null);

    // Then both show, oldest first, each with its time, and the seat counts it as a change
    assertThat(first.commands())
        .containsExactly(
            new TerminalHistory.Command(Instant.parse("2026-12-02T12:00:00Z"), "ls -la"));
    assertThat(second.commands())
        .extracting(TerminalHistory.Command::line)
        .containsExactly("ls -la", "for f in *; do\n  wc -l \"$f\"\ndone");
    assertThat(second.commands().get(1).at()).isEqualTo(Instant.parse("2026-12-02T12:01:00Z"));
    assertThat(second.version()).isGreaterThan(first.version());
  }

  /** The fake runtime, counting listings and the files each read asked for. */
  private static final class Counting implements WorkspaceRuntime {
    final FakeRuntime fake;
    volatile byte[] history;
    final List<Set<String>> asked = new CopyOnWriteArrayList<>();
    final java.util.concurrent.atomic.AtomicInteger listings =
        new java.util.concurrent.atomic.AtomicInteger();

    Counting(FakeRuntime fake) {
      this.fake = fake;
    }

    @Override
    public boolean listFiles(String id, Set<String> excluded, Consumer<WorkspaceFile> out)
        throws IOException {
      listings.incrementAndGet();
      return WorkspaceRuntime.super.listFiles(id, excluded, out);
    }

    @Override
    public boolean readFiles(String id, Set<String> paths, WorkspaceFileVisitor visitor)
        throws IOException {
      asked.add(Set.copyOf(paths));
      return WorkspaceRuntime.super.readFiles(id, paths, visitor);
    }

    @Override
    public boolean readFiles(String id, WorkspaceFileVisitor visitor) throws IOException {
      return fake.readFiles(id, visitor);
    }

    @Override
    public Optional<byte[]> terminalHistory(String id) {
      return Optional.ofNullable(history);
    }

    @Override
    public String name() {
      return "counting";
    }

    @Override
    public Workspace provision(WorkspaceSpec spec, Consumer<String> log) {
      return fake.provision(spec, log);
    }

    @Override
    public void configure(String id, Path files, Consumer<String> log) {
      fake.configure(id, files, log);
    }

    @Override
    public void runSetup(String id, WorkspaceSetup setup, Consumer<String> log) throws Exception {
      fake.runSetup(id, setup, log);
    }

    @Override
    public Optional<Workspace> find(String id) {
      return fake.find(id);
    }

    @Override
    public List<Workspace> list() {
      return fake.list();
    }

    @Override
    public void stop(String id, Consumer<String> log) {
      fake.stop(id, log);
    }

    @Override
    public void destroy(String id, Consumer<String> log) {
      fake.destroy(id, log);
    }
  }
}
