package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.prequel.runtime.LoopDisk;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.testing.TestLocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A spare's disk is never left mounted when its removal stops half-way: the bench's pool-less
 * Prequel was stopped while its pool removed the spares, and two disks stayed mounted with their
 * containers, volumes and networks gone, found by nothing.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class DockerSpareDisksTest {

  private static final String SCOPE = DockerEngineFixture.scope("dsdt");

  private final List<String> spares = new ArrayList<>();
  private final List<String> logLines = new ArrayList<>();
  private final Consumer<String> log = logLines::add;
  private DockerClient docker;
  private DockerRuntime runtime;
  private Path disks;

  @BeforeEach
  void setUp() {
    docker = DockerEngineFixture.engine();
    // a folder of this class's own: its spares' disks are the only ones the runtime sees there
    disks = DockerEngineFixture.disks().resolve(SCOPE);
    runtime =
        new DockerRuntime(
            docker,
            DockerRuntime.DEFAULT_IMAGE,
            DockerRuntime.DEFAULT_SUBNETS,
            WorkspaceLimits.DEFAULT,
            Outbound.NONE,
            disks,
            null,
            Clock.systemUTC(),
            SCOPE);
  }

  @AfterEach
  void tearDown() throws Exception {
    Thread.interrupted();
    for (String id : spares) {
      runtime.destroy(id, log);
    }
    DockerEngineFixture.removeScope(SCOPE);
  }

  @Test
  void aSpareOfWhichOnlyItsDiskIsLeftIsListedAndItsRemovalUnmountsIt() throws Exception {
    String spare = startSpare();
    // given a removal that stopped just before the disk: container, files and network gone
    docker.removeContainerCmd(WorkspaceContainer.name(spare)).withForce(true).exec();
    for (String volume : WorkspaceVolumes.names(spare)) {
      docker.removeVolumeCmd(volume).exec();
    }
    docker.removeNetworkCmd(WorkspaceNetworks.name(spare)).exec();
    assertThat(LoopDisk.mounted(disks.resolve(spare))).isTrue();

    // when the pool asks for leftovers (at its start or stop) and removes them
    assertThat(runtime.spares()).as("the pool finds what is left of it").contains(spare);
    runtime.destroy(spare, log);

    // then its disk is unmounted and gone
    assertThat(LoopDisk.mounted(disks.resolve(spare))).isFalse();
    assertThat(disks.resolve(spare + ".img")).doesNotExist();
    assertThat(runtime.spares()).doesNotContain(spare);
  }

  @Test
  void aSpareRemovedWhilePrequelStopsLeavesNoDiskMounted() throws Exception {
    String spare = startSpare();

    // given the pool's thread interrupted by a stopping Prequel, when it removes the spare
    Thread.currentThread().interrupt();
    runtime.destroy(spare, log);
    boolean stillInterrupted = Thread.interrupted();

    // then everything is gone, the disk too, and the interrupt is kept for the pool
    assertThat(stillInterrupted).isTrue();
    assertThat(LoopDisk.mounted(disks.resolve(spare))).isFalse();
    assertThat(disks.resolve(spare + ".img")).doesNotExist();
    assertThat(docker.listContainersCmd().withShowAll(true).withNameFilter(List.of(spare)).exec())
        .isEmpty();
    try {
      docker.inspectVolumeCmd(WorkspaceContainer.workspaceVolume(spare)).exec();
      assertThat(false).as("its volume is removed").isTrue();
    } catch (NotFoundException e) {
      // removed
    }
  }

  private String startSpare() throws Exception {
    Workspace w = runtime.startSpare(dev.prequel.runtime.SpareIds.next(), log);
    spares.add(w.interviewId());
    assertThat(Files.exists(disks.resolve(w.interviewId() + ".img"))).isTrue();
    return w.interviewId();
  }
}
