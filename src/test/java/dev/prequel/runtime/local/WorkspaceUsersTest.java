package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.testing.TestLocks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Two Prequels on one machine (two data folders) never share a workspace user: one's destroy kills
 * every process of its workspace's user. Leases real system users (root; useradd when missing).
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class WorkspaceUsersTest {

  /** Far above the users of workspaces that other Prequels on this machine run meanwhile. */
  private static final int FIRST_USER = 9001;

  @TempDir Path tmp;

  private WorkspaceUsers usersOf(String dataFolder) {
    return new WorkspaceUsers(
        tmp.resolve(dataFolder).resolve("workspaces"),
        Isolation.find("useradd").orElseThrow(),
        tmp.resolve("registry"),
        FIRST_USER);
  }

  private InterviewFolder folder(String dataFolder, String id) {
    return InterviewFolder.of(tmp.resolve(dataFolder).resolve("workspaces"), id);
  }

  @Test
  void anotherDataFolderGetsAnotherUserUntilTheFirstFolderIsGone() throws Exception {
    WorkspaceUsers staging = usersOf("staging");
    WorkspaceUsers production = usersOf("production");

    String first = staging.lease(folder("staging", "iv-1")).name();
    // Nothing runs as `first` yet: only the registry tells production it is taken.
    String second = production.lease(folder("production", "iv-1")).name();
    assertThat(second).isNotEqualTo(first).startsWith(WorkspaceUsers.PREFIX);
    assertThat(staging.lease(folder("staging", "iv-1")).name()).isEqualTo(first); // kept

    Trees.delete(folder("staging", "iv-1").root()); // destroyed
    assertThat(production.lease(folder("production", "iv-2")).name()).isEqualTo(first);
  }

  @Test
  void aStoppedWorkspaceWhoseUserWasTakenMeanwhileGetsAnotherOne() throws Exception {
    WorkspaceUsers staging = usersOf("staging");
    WorkspaceUsers production = usersOf("production");
    String taken = staging.lease(folder("staging", "iv-1")).name();
    // A lease from before the registry: production's stopped workspace names the same user.
    InterviewFolder stopped = folder("production", "iv-9");
    Files.createDirectories(stopped.root());
    Files.writeString(stopped.userLease(), taken);

    String now = production.lease(stopped).name();

    assertThat(now).isNotEqualTo(taken);
    assertThat(Files.readString(stopped.userLease()).strip()).isEqualTo(now);
    assertThat(staging.lease(folder("staging", "iv-1")).name()).isEqualTo(taken);
  }
}
