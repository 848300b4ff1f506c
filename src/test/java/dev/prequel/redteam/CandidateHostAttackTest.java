package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.challenge.HostTools;
import dev.prequel.challenge.Manifest;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.SocketHealth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A hostile candidate (or challenge author) against the host, for real: a shell as the workspace's
 * user inside its sandbox, in a Prequel with the operator's default settings except a small disk.
 * Attacks covered (issue 11):
 *
 * <ul>
 *   <li>§2 filling the disk: {@code fallocate -l 20G}, {@code dd} until it fails, in the files,
 *       HOME and /tmp; a million small files (inodes)
 *   <li>§3 a manifest whose tool is a script of the author's, named by absolute path
 *   <li>§5 from an egress workspace: the host's loopback services, the portal, the host's other
 *       addresses, the cloud's metadata address
 * </ul>
 *
 * Each asserts the outcome and that another interview keeps working.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateHostAttackTest {

  private static final int DISK_MB = 300;

  @TempDir static Path data;
  @TempDir static Path challenges;
  static ServerSocket hostService;
  static int portalPort;
  static TestPrequel p;

  /** Connects to each host:port given; prints what happened. */
  private static final String PROBE =
      """
      import socket, sys
      for target in sys.argv[1:]:
          host, port = target.rsplit(':', 1)
          try:
              socket.create_connection((host, int(port)), timeout=3).close()
              print(target, 'connected')
          except OSError as e:
              print(target, 'refused:', e)
      """;

  @BeforeAll
  static void start() throws Exception {
    hostService = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      portalPort = free.getLocalPort();
    }
    challenge("plain", "network: none\n");
    challenge("online", "network: egress\n");
    p =
        TestPrequel.start(
            data,
            Map.of(
                "PREQUEL_PORT", Integer.toString(portalPort),
                "PREQUEL_CHALLENGES_DIR", challenges.toString(),
                "PREQUEL_WORKSPACE_OUTBOUND", "egress",
                "PREQUEL_WORKSPACE_DISK_MB", Integer.toString(DISK_MB),
                "PREQUEL_SNAPSHOT_SECONDS", "1"));
    assertThat(runtime().describe().sandboxed()).as("%s", runtime().describe().missing()).isTrue();
  }

  @AfterAll
  static void stop() throws IOException {
    if (p != null) {
      p.close();
    }
    hostService.close();
  }

  @Test
  void fillingTheDiskFailsInsideTheWorkspaceWhichKeepsWorkingAndTheLogSaysSo() throws Exception {
    String a = activeInterview("plain");
    String b = activeInterview("plain");

    Result fallocate = in(a, "fallocate -l 20G /workspace/fill");
    Result dd =
        in(a, "dd if=/dev/zero of=/workspace/fill bs=1M count=100000 2>&1 | grep -v records");
    Result home = in(a, "dd if=/dev/zero of=$HOME/more bs=4k count=100000 2>&1 | grep -v records");
    Result df = in(a, "df -m /workspace | tail -1");

    assertThat(fallocate.exit()).isNotZero();
    assertThat(fallocate.output()).contains("No space left on device");
    assertThat(dd.output()).contains("No space left on device");
    assertThat(home.output()).contains("No space left on device");
    long sizeMb = Long.parseLong(df.output().trim().split("\\s+", -1)[1]);
    assertThat(sizeMb).isBetween(DISK_MB / 2L, (long) DISK_MB); // ext4 keeps some for itself
    assertThat(healthy(a)).as("code-server still answers").isTrue();
    // (noted by the full-disk check, every PREQUEL_SNAPSHOT_SECONDS and apart from the snapshot
    // pass, which may still be copying the 300 MiB just written)
    await().atMost(Duration.ofSeconds(60)).until(() -> log(a).contains("disk is full"));
    assertThat(log(a)).contains("the workspace's disk is full (300 MiB)");
    Result other = in(b, "echo fine > /workspace/b.txt && cat /workspace/b.txt");
    assertThat(other.output()).isEqualTo("fine\n");
    assertThat(healthy(b)).isTrue();
    Path image = data.resolve("disks").resolve(a + ".img");
    assertThat(Files.size(image)).isEqualTo(DISK_MB * 1024L * 1024L);
    assertThat(Files.getPosixFilePermissions(image.getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));

    p.send("POST", "/api/v1/interviews/" + a + "/destroy", "{}");
    await().atMost(Duration.ofSeconds(30)).until(() -> p.status(a).equals("destroyed"));
    assertThat(image).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .doesNotContain(data.resolve("workspaces").resolve(a).toString());
  }

  @Test
  void theDiskAndItsFilesOutliveAStoppedCodeServer() throws Exception {
    String a = activeInterview("plain");
    in(a, "echo kept > /workspace/kept.txt");

    runtime().stop(a, line -> {}); // as if it crashed: Prequel starts it again on the same disk
    await().atMost(Duration.ofSeconds(60)).until(() -> runtime().find(a).isPresent() && healthy(a));

    assertThat(in(a, "cat /workspace/kept.txt").output()).isEqualTo("kept\n");
    assertThat(log(a)).contains("disk: 300 MiB of its own (made and mounted").contains("restarted");
    assertThat(log(a)).containsOnlyOnce("made and mounted");
  }

  @Test
  void tmpAndSharedMemoryAreBoundedToo() throws Exception {
    String a = activeInterview("plain");

    Result tmp = in(a, "dd if=/dev/zero of=/tmp/big bs=1M count=2000 2>&1 | grep -v records");
    Result shm = in(a, "dd if=/dev/zero of=/dev/shm/big bs=1M count=2000 2>&1 | grep -v records");

    assertThat(tmp.output()).contains("No space left on device").contains("536870912 bytes");
    assertThat(shm.output()).contains("No space left on device").contains("67108864 bytes");
    assertThat(healthy(a)).isTrue();
  }

  @Test
  void aMillionSmallFilesStopAtTheWorkspacesInodeBound() throws Exception {
    String a = activeInterview("plain");

    Result many =
        in(
            a,
            "mkdir /workspace/many && cd /workspace/many && for i in $(seq 1 1000000); do"
                + " : > f$i || { echo stopped at $i; break; }; done 2>&1 | tail -2");

    assertThat(many.output()).contains("No space left on device").contains("stopped at");
    int stoppedAt =
        Integer.parseInt(many.output().replaceAll("(?s).*stopped at (\\d+).*", "$1").strip());
    // one inode per 32 KiB (ext4 rounds up to whole inode tables): ~9,600 here, not a million
    assertThat(stoppedAt).isBetween(1000, 2 * DISK_MB * 1024 * 1024 / 32768);
    assertThat(healthy(a)).isTrue();
    assertThat(in(a, "rm -rf /workspace/many && echo freed").output()).isEqualTo("freed\n");
  }

  @Test
  void aManifestsToolNamedByAbsolutePathNeverRunsAsRootNorSeesPrequelsEnvironment()
      throws Exception {
    // A challenge author's script, put on the host (a root-owned file: the worst case).
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "cha-tool-");
    Path markers = Files.createDirectory(dir.resolve("markers")); // only root may write here
    Path out = Files.createDirectory(dir.resolve("out"));
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path evil = dir.resolve("evil.sh");
    Files.writeString(
        evil,
        "#!/bin/sh\n"
            + "touch "
            + markers.resolve("ran-as-root")
            + " 2>/dev/null\n"
            + "id -u > "
            + out.resolve("uid")
            + "\n"
            + "env > "
            + out.resolve("env")
            + "\n"
            + "echo v99.0\n");
    Files.setPosixFilePermissions(evil, PosixFilePermissions.fromString("rwxr-xr-x"));
    Manifest.Tool tool =
        new Manifest.Tool("evil", evil.toString(), "1", List.of(), "nothing to install");
    try {
      // Prequel's settings: only PATH's folders.
      List<HostTools.Missing> refused =
          new HostTools(Clock.systemUTC(), System.getenv("PATH"), List.of()).missing(List.of(tool));

      assertThat(refused).singleElement().asString().contains("PREQUEL_TOOL_PATHS");
      assertThat(out.resolve("uid")).doesNotExist();
      assertThat(markers.resolve("ran-as-root")).doesNotExist();

      // An operator who allowed its folder: it runs, but as nobody, with nothing of Prequel's.
      List<HostTools.Missing> allowed =
          new HostTools(Clock.systemUTC(), System.getenv("PATH"), List.of(dir))
              .missing(List.of(tool));

      assertThat(allowed).isEmpty(); // its version was read
      assertThat(Files.readString(out.resolve("uid")).strip()).isEqualTo("65534");
      assertThat(markers.resolve("ran-as-root")).doesNotExist();
      List<String> names =
          Files.readAllLines(out.resolve("env")).stream().map(l -> l.split("=", 2)[0]).toList();
      assertThat(names).isSubsetOf("PATH", "HOME", "LANG", "PWD", "SHLVL", "_");
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  void anEgressWorkspaceReachesNeitherTheHostNorPrivateNorMetadataAddresses() throws Exception {
    String a = activeInterview("online");
    int host = hostService.getLocalPort();

    Result probe =
        in(
            a,
            "python3 probe.py 127.0.0.1:"
                + host
                + " 127.0.0.1:"
                + portalPort
                + " 10.0.2.2:"
                + host
                + " 10.0.2.2:"
                + portalPort
                + " 10.0.2.50:"
                + host);
    Result routes = in(a, "/usr/sbin/ip route show; /usr/sbin/ip -br addr; cat /etc/resolv.conf");

    // refused at once, by the workspace's own kernel: a timeout would mean the SYN left it
    assertThat(probe.output()).doesNotContain("connected").doesNotContain("timed out");
    assertThat(probe.output().lines().filter(l -> l.contains("refused"))).hasSize(5);
    // Its own interface, NATed; routes it cannot change keep it off everything near the host.
    // (Looked at, not tried: nothing is sent to these addresses.)
    assertThat(routes.output())
        .contains("default via 10.0.2.2 dev tap0")
        .contains("tap0")
        .contains("prohibit 169.254.0.0/16")
        .contains("prohibit 10.0.0.0/8")
        // slirp4netns's own network: refused by the kernel, not left to slirp4netns (10.0.2.2 is
        // the host's loopback to it, any other 10.0.2.x the host's network of that name)
        .contains("prohibit 10.0.2.0/25")
        .contains("prohibit 10.0.2.128/25")
        .contains("10.0.2.3 dev tap0 scope link")
        .contains("prohibit 172.16.0.0/12")
        .contains("prohibit 192.168.0.0/16")
        .contains("nameserver 10.0.2.3");
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        // Private and link-local ones are inside the ranges above (and a Docker test running
        // beside this one adds bridges to the host while it runs); any other is named on its own.
        if (address instanceof Inet4Address
            && !address.isLoopbackAddress()
            && !address.isSiteLocalAddress()
            && !address.isLinkLocalAddress()) {
          assertThat(routes.output()).contains("prohibit " + address.getHostAddress());
        }
      }
    }
    Result change =
        in(a, "/usr/sbin/ip route del prohibit 169.254.0.0/16 2>&1; /usr/sbin/ip route | grep 169");
    assertThat(change.output()).contains("Operation not permitted").contains("prohibit");
    assertThat(log(a)).contains("network: a namespace of its own");
    assertThat(healthy(a)).isTrue();
  }

  // ---- helpers

  record Result(int exit, String output) {}

  private static LocalRuntime runtime() {
    return (LocalRuntime) p.runtime();
  }

  private static Result in(String id, String script) throws Exception {
    Process process = CandidateShell.exec(runtime(), id, List.of("/bin/bash", "-c", script));
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    System.out.println("[attack] " + script + "\n[attack]   " + out.replace("\n", "\n[attack]   "));
    return new Result(process.exitValue(), out);
  }

  private static String activeInterview(String challenge) throws Exception {
    String id = p.create(challenge, 30).get("id").asText();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> p.status(id), s -> s.equals("active") || s.equals("error"));
    assertThat(p.status(id)).as(log(id)).isEqualTo("active");
    return id;
  }

  private static boolean healthy(String id) {
    return runtime().find(id).map(SocketHealth::answers).orElse(false);
  }

  private static String log(String id) throws Exception {
    StringBuilder lines = new StringBuilder();
    for (var entry : p.json(p.get("/api/v1/interviews/" + id + "/log"))) {
      lines.append(entry.path("message").asText()).append('\n');
    }
    return lines.toString();
  }

  private static void challenge(String id, String yaml) throws IOException {
    Path dir = Files.createDirectories(challenges.resolve(id));
    Files.writeString(dir.resolve("probe.py"), PROBE);
    Files.writeString(dir.resolve("README.md"), "# " + id + "\n");
    Files.writeString(
        dir.resolve("challenge.yaml"), "title: " + id + "\nsetupTimeoutSeconds: 60\n" + yaml);
  }
}
