package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The candidate against the places where the audit of root's path operations
 * (docs/security-audit-local-runtime.md) found root working next to, or through, a path the
 * candidate can change, and judged it safe: each test plays the candidate in their own sandbox
 * ({@link LocalRuntime#exec}) and checks that verdict.
 *
 * <p>Attacks covered:
 *
 * <ul>
 *   <li>bubblewrap, as root, mounts Prequel's extension at a path inside the candidate's own
 *       extensions folder: the candidate removes or renames that mount point and plants a link to a
 *       host folder there, then Prequel restarts the workspace and snapshots it
 *   <li>root's commands (the cgroup join shell, setsid, bubblewrap, setpriv, tar) start with the
 *       candidate's workspace as their working folder: programs of those names planted in the
 *       workspace and HOME must never run
 *   <li>the socket folder (/run/prequel): links and folders planted before the seal (then the
 *       candidate's own), new entries, a link and a renamed socket after it; the next start removes
 *       the old folder without following what was planted
 * </ul>
 *
 * Each asserts that the host folder is untouched and that the workspace, and another one, still
 * work.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class RootPathAuditAttackTest {

  private static final String AU_A = TestIds.of("au-a");
  private static final String AU_B = TestIds.of("au-b");
  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 512, 160);
  private static final String HOST_SECRET = "host secret: root's only";

  @TempDir static Path data;
  static LocalRuntime runtime;
  static Path host;

  @BeforeAll
  static void startWorkspaces() throws Exception {
    runtime = dev.prequel.testing.SandboxedRuntime.in(data.resolve("workspaces"), LIMITS);
    host = data.resolve("host");
    Files.createDirectories(host.resolve("folder"));
    Files.writeString(host.resolve("folder/notes.txt"), HOST_SECRET);
    for (String id : List.of(AU_A, AU_B)) {
      runtime.provision(new WorkspaceSpec(id), line -> {});
    }
  }

  @AfterAll
  static void destroyAll() throws Exception {
    for (String id : List.of(AU_A, AU_B)) {
      runtime.destroy(id, line -> {});
    }
  }

  @Test
  void theMountPointOfPrequelsExtensionCannotBeSwappedForALinkToAHostFolder() throws Exception {
    String ext = "/prequel/extensions/prequel.open-files-1.0.0";
    Result attack =
        in(
            AU_A,
            String.join(
                "; ",
                "rm -rf " + ext + " 2>&1",
                "mv " + ext + " " + ext + ".moved 2>&1",
                "ln -sfn " + host.resolve("folder") + " " + ext + " 2>&1",
                "test -L " + ext + " && echo LINKED",
                "test -f " + ext + "/extension.js && echo STILL-PREQUELS"));
    assertThat(attack.output()).doesNotContain("LINKED").contains("STILL-PREQUELS");

    // Prequel starts the workspace again (bubblewrap makes its mounts anew) and snapshots it.
    runtime.stop(AU_A, line -> {});
    runtime.provision(new WorkspaceSpec(AU_A), line -> {});
    in(AU_A, "echo kept > /workspace/kept.txt");

    assertThat(snapshotNames(AU_A)).contains("kept.txt");
    assertThat(listing(host.resolve("folder"))).containsExactly("notes.txt");
    assertThat(host.resolve("folder/notes.txt")).hasContent(HOST_SECRET);
    assertThat(in(AU_B, "echo fine").output()).contains("fine");
  }

  @Test
  void programsPlantedInTheWorkingFolderOfRootsCommandsNeverRun() throws Exception {
    Path pwned = host.resolve("pwned");
    List<String> names =
        List.of("sh", "bash", "setsid", "bwrap", "setpriv", "tar", "nsenter", "env", "node");
    StringBuilder plant = new StringBuilder("set -e; ");
    for (String dir : List.of("/workspace", "/workspace/bin", "/home/candidate")) {
      plant.append("mkdir -p ").append(dir).append("; ");
      for (String name : names) {
        String file = dir + "/" + name;
        plant
            .append("printf '#!/bin/sh\\necho ran-as-$(id -u) >> ")
            .append(pwned)
            .append("\\n' > ")
            .append(file)
            .append("; chmod 755 ")
            .append(file)
            .append("; ");
      }
    }
    plant.append("echo planted");
    assertThat(in(AU_A, plant.toString()).output()).contains("planted");

    // Everything Prequel runs with the workspace as working folder: a start, setup, a snapshot
    // and a command in the sandbox.
    runtime.stop(AU_A, line -> {});
    runtime.provision(new WorkspaceSpec(AU_A), line -> {});
    runtime.runSetup(
        AU_A,
        new WorkspaceSetup(
            List.of("echo set-up"), Duration.ofSeconds(60), List.of(), List.of(), "au-v1"),
        line -> {});
    assertThat(snapshotNames(AU_A)).contains("sh", "bin/sh");
    assertThat(in(AU_A, "echo still-mine").output()).contains("still-mine");

    assertThat(pwned).doesNotExist();
  }

  @Test
  void theSocketFolderTakesNothingOnceSealedAndWhatWasPlantedBeforeIsRemovedWithoutFollowing()
      throws Exception {
    // Until code-server has bound its socket the folder is the workspace user's own: a fresh
    // start gives the candidate that window to plant links to a host folder and file.
    runtime.stop(AU_B, line -> {});
    runtime.provision(new WorkspaceSpec(AU_B), line -> {});
    in(
        AU_B,
        "ln -s "
            + host.resolve("folder")
            + " /run/prequel/elsewhere; mkdir -p /run/prequel/mine/deeper && ln -s "
            + host.resolve("folder/notes.txt")
            + " /run/prequel/mine/deeper/notes.txt; echo planted");
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> in(AU_B, "stat -c %u /run/prequel").output().strip().equals("0"));

    Result sealed =
        in(
            AU_B,
            String.join(
                "; ",
                "ln -s " + host.resolve("folder") + " /run/prequel/late 2>&1",
                "mkdir /run/prequel/late-dir 2>&1",
                "mv /run/prequel/code-server.sock /run/prequel/moved.sock 2>&1",
                "rm -f /run/prequel/code-server.sock 2>&1",
                // the sealed folder may not even be listable: ask for each name
                "for n in code-server.sock late late-dir moved.sock; do"
                    + " test -e /run/prequel/$n -o -L /run/prequel/$n && echo \"exists $n\"; done"));
    List<String> names =
        sealed
            .output()
            .lines()
            .filter(l -> l.startsWith("exists "))
            .map(l -> l.substring(7))
            .toList();
    assertThat(names).containsExactly("code-server.sock");

    // The next start gets a fresh folder; the old one goes through descriptors, links and all.
    runtime.stop(AU_B, line -> {});
    runtime.provision(new WorkspaceSpec(AU_B), line -> {});
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                in(
                        AU_B,
                        "stat -c %u /run/prequel; for n in code-server.sock elsewhere mine late; do"
                            + " test -e /run/prequel/$n -o -L /run/prequel/$n && echo $n; done")
                    .output()
                    .equals("0\ncode-server.sock\n"));
    assertThat(listing(host.resolve("folder"))).containsExactly("notes.txt");
    assertThat(host.resolve("folder/notes.txt")).hasContent(HOST_SECRET);
  }

  // ---- helpers

  private static Set<String> snapshotNames(String id) throws IOException {
    List<String> names = new ArrayList<>();
    runtime.readFiles(
        id,
        new WorkspaceFileVisitor() {
          @Override
          public boolean enterFolder(String path) {
            return true;
          }

          @Override
          public Set<String> excludedFolderNames() {
            return Set.of();
          }

          @Override
          public void file(String path, long size, boolean executable, Content content) {
            names.add(path);
          }
        });
    return Set.copyOf(names);
  }

  private static List<String> listing(Path folder) throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
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
