package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.docker.DockerEngineFixture;
import dev.prequel.runtime.docker.DockerRuntime;
import dev.prequel.testing.TestLocks;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The candidate of a docker workspace, for real: a shell as uid 1000 inside the container, entered
 * through the Engine's exec (as their terminal is). Attacks covered:
 *
 * <ul>
 *   <li>looking for the Docker socket (and any host folder) to take over the engine
 *   <li>writing to the image (/usr, /etc) to plant a tool for the next command
 *   <li>becoming root: capabilities, setuid, no-new-privileges
 *   <li>reaching a host service on loopback, the cloud metadata address, the internet
 *   <li>reaching another workspace's code-server on its address
 *   <li>reaching a host service that listens on all addresses, through the network's gateway (the
 *       host itself)
 *   <li>a fork bomb: bounded by the pids limit, another workspace keeps answering
 *   <li>with egress (a challenge that asks for it): reaching the metadata address, the host (its
 *       gateway, its own addresses), private ranges and another workspace's code-server, while the
 *       internet answers
 *   <li>filling the disk (the workspace and the home folder): refused at the workspace's quota,
 *       another workspace keeps writing
 * </ul>
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateInDockerAttackTest {

  private static final int DISK_MB = 300;
  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 1024, 128, DISK_MB);
  private static DockerRuntime runtime;
  private static Workspace attacker;
  private static Workspace victim;

  @BeforeAll
  static void startTwoWorkspaces() throws Exception {
    runtime =
        new DockerRuntime(
            DockerEngineFixture.engine(),
            DockerRuntime.DEFAULT_IMAGE,
            DockerRuntime.DEFAULT_SUBNETS,
            WorkspaceLimits.DEFAULT,
            Outbound.EGRESS, // the operator allows it; only the egress test's challenge asks
            DockerEngineFixture.disks(),
            null,
            Clock.systemUTC(),
            "cidat");
    attacker =
        runtime.provision(new WorkspaceSpec("cida-attacker", LIMITS, Outbound.NONE), line -> {});
    victim = runtime.provision(new WorkspaceSpec("cida-victim", LIMITS, Outbound.NONE), line -> {});
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> DockerEngineFixture.healthy(victim.endpoint()));
  }

  @AfterAll
  static void destroyThem() throws Exception {
    if (runtime != null) {
      for (String id : List.of("cida-attacker", "cida-victim", "cida-egress")) {
        runtime.destroy(id, line -> {});
      }
    }
  }

  /** "reached" or "refused": a TCP connection from the attacker's shell to {@code host/port}. */
  private static String reaches(String hostSlashPort) throws InterruptedException {
    return shell(
            "timeout 3 bash -c 'echo > /dev/tcp/"
                + hostSlashPort
                + "' 2>/dev/null && echo reached || echo refused")
        .output();
  }

  private static DockerRuntime.ExecResult shell(String command) throws InterruptedException {
    return runtime.exec("cida-attacker", command);
  }

  @Test
  void thereIsNoDockerSocketNorAnyHostFolderInside() throws Exception {
    var found =
        shell(
            "ls -la /var/run/docker.sock /run/docker.sock /run/containerd 2>&1;"
                + " grep -E ' (/workspace|/home/candidate) ' /proc/self/mountinfo | wc -l;"
                + " grep -c docker.sock /proc/self/mountinfo");
    assertThat(found.output())
        .contains("'/var/run/docker.sock': No such file or directory")
        .contains("'/run/docker.sock': No such file or directory")
        .endsWith("2\n0\n");
  }

  @Test
  void theImageCannotBeChanged() throws Exception {
    var write = shell("touch /usr/local/bin/python3 /etc/profile.d/x.sh /opt/code-server/x 2>&1");
    assertThat(write.exitCode()).isNotZero();
    assertThat(write.output()).contains("Read-only file system");
    assertThat(shell("touch /tmp/ok /workspace/ok && echo writable").output())
        .isEqualTo("writable\n");
  }

  @Test
  void theCandidateCannotBecomeRoot() throws Exception {
    var status = shell("id -u; grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs)' /proc/self/status");
    assertThat(status.output())
        .startsWith("1000\n")
        .contains("CapEff:\t0000000000000000")
        .contains("CapBnd:\t0000000000000000")
        .contains("NoNewPrivs:\t1");
    var setuid = shell("python3 -c 'import os; os.setuid(0)' 2>&1");
    assertThat(setuid.exitCode()).isNotZero();
    assertThat(setuid.output()).contains("PermissionError");
    assertThat(shell("su -c id root </dev/null 2>&1").exitCode()).isNotZero();
  }

  @Test
  void hostLoopbackMetadataAndInternetAreOutOfReach() throws Exception {
    try (ServerSocket hostOnly = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int port = hostOnly.getLocalPort();
      var tries =
          shell(
              "for target in 127.0.0.1/"
                  + port
                  + " 169.254.169.254/80 1.1.1.1/80 deb.debian.org/80; do"
                  + " timeout 3 bash -c \"echo > /dev/tcp/$target\" 2>/dev/null"
                  + " && echo \"reached $target\" || echo \"refused $target\"; done");
      assertThat(tries.output())
          .doesNotContain("reached")
          .contains("refused 127.0.0.1/" + port)
          .contains("refused 169.254.169.254/80")
          .contains("refused 1.1.1.1/80");
    }
  }

  @Test
  void aHostServiceOnAllAddressesIsOutOfReachThroughTheGateway() throws Exception {
    // Each workspace network is a /28 whose first address is its gateway: the host.
    byte[] own = InetAddress.getByName(attacker.endpoint().getHost()).getAddress();
    own[3] = (byte) ((own[3] & 0xf0) + 1);
    String gateway = InetAddress.getByAddress(own).getHostAddress();
    try (ServerSocket everywhere = new ServerSocket(0, 50, null)) {
      String target = gateway + "/" + everywhere.getLocalPort();

      assertThat(reaches(target)).isEqualTo("refused\n");
    }
    // while the host still reaches the workspace's code-server (the proxy's way in)
    assertThat(DockerEngineFixture.healthy(attacker.endpoint())).isTrue();
  }

  @Test
  void anotherWorkspacesCodeServerIsOutOfReach() throws Exception {
    String target = victim.endpoint().getHost() + "/" + victim.endpoint().getPort();

    assertThat(reaches(target)).isEqualTo("refused\n");
    assertThat(DockerEngineFixture.healthy(victim.endpoint())).isTrue();
  }

  @Test
  void withEgressTheInternetAnswersButNotTheMetadataTheHostNorAnotherWorkspace() throws Exception {
    List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
    Workspace egress =
        runtime.provision(new WorkspaceSpec("cida-egress", LIMITS, Outbound.EGRESS), log::add);
    byte[] own = InetAddress.getByName(egress.endpoint().getHost()).getAddress();
    own[3] = (byte) ((own[3] & 0xf0) + 1);
    String gateway = InetAddress.getByAddress(own).getHostAddress();
    try (ServerSocket everywhere = new ServerSocket(0, 50, null)) {
      List<String> forbidden = new java.util.ArrayList<>();
      forbidden.add("169.254.169.254/80");
      forbidden.add(gateway + "/" + everywhere.getLocalPort());
      forbidden.add(victim.endpoint().getHost() + "/" + victim.endpoint().getPort());
      forbidden.add(attacker.endpoint().getHost() + "/" + attacker.endpoint().getPort());
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
            forbidden.add(address.getHostAddress() + "/" + everywhere.getLocalPort());
          }
        }
      }
      List<String> targets = new java.util.ArrayList<>(forbidden);
      targets.add("deb.debian.org/80");

      String tries =
          runtime
              .exec(
                  "cida-egress",
                  "for target in "
                      + String.join(" ", targets)
                      + "; do ( timeout 5 bash -c \"echo > /dev/tcp/$target\" 2>/dev/null"
                      + " && echo \"reached $target\" || echo \"refused $target\" ) & done; wait")
              .output();

      assertThat(tries).as(tries).contains("reached deb.debian.org/80");
      for (String target : forbidden) {
        assertThat(tries).contains("refused " + target);
      }
    }
    assertThat(log).anySatisfy(line -> assertThat(line).contains("egress, no host or private"));
    assertThat(DockerEngineFixture.healthy(victim.endpoint())).isTrue();
  }

  @Test
  void fillingTheDiskIsRefusedAtTheQuotaAndAnotherWorkspaceKeepsWriting() throws Exception {
    var fill =
        shell(
            "dd if=/dev/zero of=/workspace/fill bs=1M count=2000 2>&1 | grep -c 'No space left';"
                + " dd if=/dev/zero of=$HOME/more bs=64k count=10000 2>&1 | grep -c 'No space left';"
                + " df -m /workspace | tail -n 1");

    try {
      assertThat(fill.output().lines().limit(2)).as(fill.output()).containsExactly("1", "1");
      long sizeMb =
          Long.parseLong(
              fill.output().lines().skip(2).findFirst().orElseThrow().trim().split("\\s+", -1)[1]);
      assertThat(sizeMb).isBetween(DISK_MB / 2L, (long) DISK_MB); // ext4 keeps some for itself
      assertThat(runtime.diskFull("cida-attacker"))
          .hasValueSatisfying(why -> assertThat(why).contains("disk is full (300 MiB)"));
      assertThat(runtime.exec("cida-victim", "echo fine > b.txt && cat b.txt").output())
          .isEqualTo("fine\n");
      assertThat(runtime.diskFull("cida-victim")).isEmpty();
      assertThat(DockerEngineFixture.healthy(attacker.endpoint())).isTrue();
    } finally {
      shell("rm -f /workspace/fill $HOME/more");
    }
  }

  @Test
  void aForkBombIsBoundedAndEveryWorkspaceKeepsAnswering() throws Exception {
    var bomb =
        shell(
            """
            python3 -c '
            import os, time
            pids = []
            try:
                for _ in range(400):
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(20); os._exit(0)
                    pids.append(pid)
                print("forked", len(pids))
            except OSError as e:
                print("refused after", len(pids))
            for p in pids: os.kill(p, 9)
            '""");

    assertThat(bomb.output()).startsWith("refused after");
    int forked = Integer.parseInt(bomb.output().replaceAll("[^0-9]", ""));
    assertThat(forked).isLessThan(LIMITS.maxProcesses());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> DockerEngineFixture.healthy(attacker.endpoint()));
    assertThat(DockerEngineFixture.healthy(victim.endpoint())).isTrue();
  }
}
