package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.local.CodeServerInstall;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.Database;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each shipped challenge in a real workspace: provisioned and set up by the real runtime, its own
 * test command fails on the starter files and passes once the reference solution (kept in the test
 * sources) is copied over. Prints each setup's time.
 */
@Tag("slow")
class RealChallengesInWorkspaceTest {

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
    runtime =
        new LocalRuntime(
            data.resolve("workspaces"), CodeServerInstall.defaultDir(), Clock.systemUTC());
  }

  @AfterAll
  static void close() {
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
      runtime.provision(new WorkspaceSpec(interview), log::add);
      Path files = library.files(id);
      runtime.configure(interview, files, log::add);
      long started = System.nanoTime();
      runtime.runSetup(interview, challenge.workspaceSetup(files), log::add);
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      System.out.printf("SETUP %s workspace %d: %d ms%n", id, round, ms);
      Path workspace = data.resolve("workspaces").resolve(interview).resolve("workspace");

      Result starter = runTests(workspace, challenge.manifest().test());
      assertThat(starter.exit).as("starter's tests:\n" + starter.output).isNotZero();

      copySolution(id, workspace);
      Result solved = runTests(workspace, challenge.manifest().test());
      assertThat(solved.exit).as("solution's tests:\n" + solved.output).isZero();
      runtime.destroy(interview, log::add);
    }
    if (!challenge.manifest().setup().isEmpty()) {
      assertThat(log).anyMatch(l -> l.startsWith("$ ") || l.startsWith("setup: reused"));
    }
  }

  record Result(int exit, String output) {}

  static Result runTests(Path workspace, String command) throws Exception {
    Process p =
        new ProcessBuilder("/bin/sh", "-c", command)
            .directory(workspace.toFile())
            .redirectErrorStream(true)
            .start();
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
