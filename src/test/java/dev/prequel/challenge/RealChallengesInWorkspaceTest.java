package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.Isolation;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.runtime.local.SandboxPolicy;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.Database;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each shipped challenge in a real sandboxed workspace: provisioned with the challenge's own limits
 * and network, set up inside the sandbox by the real runtime; its own test command, run inside the
 * sandbox as the candidate would, fails on the starter files and passes once the reference solution
 * (kept in the test sources) is copied over. Prints each setup's time.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class RealChallengesInWorkspaceTest {

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String NOTEBOOK = TestIds.of("rc-notebook");

  @TempDir static Path data;
  static Database db;
  static ChallengeLibrary library;
  static LocalRuntime runtime;

  @BeforeAll
  static void open() {
    db = Database.openEmbedded(data.resolve("db"));
    library =
        new ChallengeLibrary(
            new FolderChallengeStore(Path.of("challenges")),
            new ChallengeRecords(db.jdbi()),
            new HostTools(Clock.systemUTC()),
            new ChallengeArchive(ChallengeArchive.Limits.DEFAULT),
            data.resolve("uploads"),
            Clock.systemUTC());
    Isolation isolation = Isolation.detect();
    assertThat(isolation.sandboxed())
        .as("this machine must offer the sandbox: %s", isolation.missing())
        .isTrue();
    runtime =
        new LocalRuntime(
            data.resolve("workspaces"),
            dev.prequel.testing.TestCodeServer.dir(),
            Clock.systemUTC(),
            isolation,
            SandboxPolicy.DEFAULT);
  }

  @AfterAll
  static void close() throws Exception {
    for (var w : runtime.list()) {
      runtime.destroy(w.interviewId(), line -> {});
    }
    db.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"react-searchable-list", "python-pandas-cleaning", "sql-sales-report"})
  void starterFailsItsTestsAndTheReferenceSolutionPasses(String id) throws Exception {
    Challenge challenge = library.get(id);
    assertThat(challenge.missingTools()).as("tools this host lacks").isEmpty();
    List<String> log = new ArrayList<>();

    for (int round = 1; round <= 2; round++) { // the second workspace may reuse the first's setup
      String interview = id.substring(0, 3) + "-iv-" + round;
      runtime.provision(challenge.workspaceSpec(interview), log::add);
      Path files = library.files(id);
      runtime.configure(interview, files, log::add);
      long started = System.nanoTime();
      int from = log.size();
      runtime.runSetup(interview, challenge.workspaceSetup(files), log::add);
      log.subList(from, log.size()).stream()
          .filter(l -> l.matches(".* ms\\)?"))
          .forEach(l -> System.out.println("[measure]   " + l));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      System.out.printf("[measure] SETUP %s workspace %d (in the sandbox): %d ms%n", id, round, ms);
      if (round == 2 && !challenge.manifest().reuse().isEmpty()) {
        // The second workspace takes the first's folders: nothing is downloaded or run again.
        assertThat(log.subList(from, log.size()))
            .anyMatch(l -> l.startsWith("setup: reused"))
            .noneMatch(l -> l.startsWith("npm: downloading") || l.startsWith("$ "));
      }
      Path workspace = data.resolve("workspaces").resolve(interview).resolve("workspace");

      Result starter = inSandbox(interview, challenge.manifest().test());
      assertThat(starter.exit).as("starter's tests:\n" + starter.output).isNotZero();

      copySolution(id, workspace);
      Result solved = inSandbox(interview, challenge.manifest().test());
      assertThat(solved.exit).as("solution's tests:\n" + solved.output).isZero();
      runtime.destroy(interview, log::add);
    }
    if (!challenge.manifest().setup().isEmpty()) {
      assertThat(log).anyMatch(l -> l.startsWith("$ ") || l.startsWith("setup: reused"));
    }
  }

  @Test
  void theExplorationNotebookRunsInTheSandbox() throws Exception {
    Challenge challenge = library.get("python-pandas-cleaning");
    List<String> log = new ArrayList<>();
    runtime.provision(challenge.workspaceSpec(NOTEBOOK), log::add);
    Path files = library.files(challenge.id());
    runtime.configure(NOTEBOOK, files, log::add);
    runtime.runSetup(NOTEBOOK, challenge.workspaceSetup(files), log::add);

    Result run =
        inSandbox(
            NOTEBOOK,
            "jupyter nbconvert --to notebook --execute explore.ipynb --output-dir /tmp"
                + " --output explored && python3 -c \"import json;"
                + " cells = json.load(open('/tmp/explored.ipynb'))['cells'];"
                + " print('outputs', sum(len(c.get('outputs', [])) for c in cells))\"");

    assertThat(run.exit).as(run.output).isZero();
    assertThat(run.output).contains("outputs 3");
    runtime.destroy(NOTEBOOK, log::add);
  }

  record Result(int exit, String output) {}

  /** Runs a shell command in the workspace's sandbox, as the candidate's terminal would. */
  static Result inSandbox(String interview, String command) throws Exception {
    Process p = CandidateShell.exec(runtime, interview, List.of("/bin/sh", "-c", command));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  static void copySolution(String id, Path workspace) throws IOException {
    Path solution = Path.of("src/test/resources/solutions", id);
    try (Stream<Path> walk = Files.walk(solution)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        Path target = workspace.resolve(solution.relativize(f).toString());
        Files.createDirectories(target.getParent());
        Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }
}
