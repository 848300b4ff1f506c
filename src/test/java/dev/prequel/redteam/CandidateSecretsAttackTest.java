package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.SandboxedRuntime;
import dev.prequel.testing.SocketHealth;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestLogs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Per-interview secrets (issue 17, 6) against a hostile candidate of another interview, and against
 * anyone else on the machine, for real: sandboxed workspaces of the local runtime. Attacks covered:
 *
 * <ul>
 *   <li>another candidate lists every process's environment ({@code /proc/*}/environ) from their
 *       sandbox
 *   <li>another workspace's user, even outside any sandbox, reads the environment of the workspace
 *       that holds the secret ({@code /proc/PID/environ}: permission denied)
 *   <li>any user of the machine reads command lines ({@code /proc/*}/cmdline, {@code ps}): the
 *       secret is on none
 *   <li>files: the interview's folder (state, grant, code-server's log) holds no secret
 *   <li>destroy: no process on the machine holds the secret afterwards
 * </ul>
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateSecretsAttackTest {

  private static final String HOLDER = TestIds.of("sca");
  private static final String OTHER = TestIds.of("scb");
  private static final String GONE = TestIds.of("scc");
  private static final String NAME = "SC_API_KEY";
  private static final String VALUE = "sc-value-" + UUID.randomUUID();
  private static final String GONE_VALUE = "sc-gone-" + UUID.randomUUID();

  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 1024, 256, 512);

  @TempDir static Path data;
  static LocalRuntime runtime;
  static Workspace holder;
  static Workspace other;

  @BeforeAll
  static void start() throws Exception {
    TestLogs.secret(VALUE);
    TestLogs.secret(GONE_VALUE);
    runtime = SandboxedRuntime.in(data.resolve("workspaces"), LIMITS);
    holder =
        runtime.provision(
            new WorkspaceSpec(HOLDER).withSecrets(WorkspaceSecrets.of(Map.of(NAME, VALUE))),
            line -> {});
    other = runtime.provision(new WorkspaceSpec(OTHER), line -> {});
    await().atMost(Duration.ofSeconds(60)).until(() -> healthy(HOLDER) && healthy(OTHER));
  }

  @AfterAll
  static void stop() throws Exception {
    for (String id : List.of(HOLDER, OTHER, GONE)) {
      runtime.destroy(id, line -> {});
    }
  }

  @Test
  void theCandidatesTerminalSeesTheSecretAndAnotherInterviewsDoesNot() throws Exception {
    // when each candidate looks at their environment (the value itself is never on a command line:
    // its hash is compared)
    Result own =
        in(HOLDER, "printf %s \"$" + NAME + "\" | sha256sum | cut -c1-64; echo uid=$(id -u)");
    Result others = in(OTHER, "env | grep -c '^" + NAME + "=' ; echo uid=$(id -u)");

    // then only the holder has it, as its workspace's own user
    assertThat(own.output()).startsWith(sha256(VALUE)).contains("uid=" + holder.peerUid());
    assertThat(others.output()).startsWith("0\n").contains("uid=" + other.peerUid());
  }

  @Test
  void anotherCandidateListingEveryProcesssEnvironmentFindsNothing() throws Exception {
    Result listing =
        in(
            OTHER,
            "cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c '^"
                + NAME
                + "='; ls /proc | grep -cE '^[0-9]+$'");

    assertThat(listing.output()).startsWith("0\n");
    assertThat(healthy(HOLDER)).isTrue();
  }

  @Test
  void anotherWorkspacesUserCannotReadTheHoldersEnvironmentEvenOutsideItsSandbox()
      throws Exception {
    // given the holder's processes that have the secret (code-server, its terminal's children)
    List<Long> holding = processesHolding(VALUE);
    assertThat(holding).as("code-server runs with the secret").isNotEmpty();
    assertThat(holding)
        .as("held only by the holder's own user, or by root (bwrap)")
        .allSatisfy(pid -> assertThat(owner(pid)).isIn(holder.peerUid(), 0));
    assertThat(holding).anySatisfy(pid -> assertThat(owner(pid)).isEqualTo(holder.peerUid()));

    // when another workspace's user reads their environment from the host itself
    for (long pid : holding) {
      Process cat =
          new ProcessBuilder(
                  "setpriv",
                  "--reuid=" + other.peerUid(),
                  "--regid=" + other.peerUid(),
                  "--clear-groups",
                  "cat",
                  "/proc/" + pid + "/environ")
              .redirectErrorStream(true)
              .start();
      String out = new String(cat.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(cat.waitFor(30, TimeUnit.SECONDS)).isTrue();

      // then it is refused (or the process ended meanwhile)
      assertThat(out).doesNotContain(VALUE);
      if (Files.exists(Path.of("/proc", Long.toString(pid)))) {
        assertThat(out).contains("Permission denied");
      }
    }
  }

  @Test
  void theSecretIsOnNoCommandLineAndInNoFileOfTheInterview() throws Exception {
    for (long pid : allPids()) {
      assertThat(read(Path.of("/proc", Long.toString(pid), "cmdline")))
          .as("the command line of process %d", pid)
          .doesNotContain(VALUE);
    }
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        data,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(
              Path file, java.nio.file.attribute.BasicFileAttributes attributes) {
            // the disks' sparse images left out: what is on them is read where they are mounted
            if (attributes.isRegularFile() && attributes.size() < (8 << 20)) {
              files.add(file);
            }
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
            return java.nio.file.FileVisitResult.CONTINUE; // gone meanwhile (code-server's own)
          }
        });
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      assertThat(read(file)).as(file.toString()).doesNotContain(VALUE);
    }
  }

  @Test
  void afterDestroyNoProcessOnTheMachineHoldsTheSecret() throws Exception {
    // given a workspace started with a secret of its own
    runtime.provision(
        new WorkspaceSpec(GONE).withSecrets(WorkspaceSecrets.of(Map.of(NAME, GONE_VALUE))),
        line -> {});
    await().atMost(Duration.ofSeconds(60)).until(() -> healthy(GONE));
    assertThat(processesHolding(GONE_VALUE)).isNotEmpty();

    // when it is destroyed
    runtime.destroy(GONE, line -> {});

    // then nothing holds it any more, and the other workspaces live on
    await().atMost(Duration.ofSeconds(10)).until(() -> processesHolding(GONE_VALUE).isEmpty());
    assertThat(healthy(HOLDER) && healthy(OTHER)).isTrue();
  }

  // ---- helpers

  record Result(int exit, String output) {}

  private static Result in(String id, String script) throws Exception {
    Process process = CandidateShell.exec(runtime, id, List.of("/bin/bash", "-c", script));
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("[attack] " + script + "\n[attack]   " + out.replace("\n", "\n[attack]   "));
    return new Result(process.exitValue(), out);
  }

  private static boolean healthy(String id) {
    return runtime.find(id).map(SocketHealth::answers).orElse(false);
  }

  /** Every process on the machine whose environment holds {@code value} (read as root). */
  private static List<Long> processesHolding(String value) throws IOException {
    List<Long> pids = new ArrayList<>();
    for (long pid : allPids()) {
      if (read(Path.of("/proc", Long.toString(pid), "environ")).contains(value)) {
        pids.add(pid);
      }
    }
    return pids;
  }

  private static List<Long> allPids() throws IOException {
    try (Stream<Path> proc = Files.list(Path.of("/proc"))) {
      return proc.map(p -> p.getFileName().toString())
          .filter(n -> n.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .toList();
    }
  }

  private static int owner(long pid) {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc", Long.toString(pid)), "unix:uid");
    } catch (IOException e) {
      return -1; // gone meanwhile
    }
  }

  /** A file's bytes as text, or nothing when it is gone or unreadable meanwhile. */
  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }

  private static String sha256(String value) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
  }
}
