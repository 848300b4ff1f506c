package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A challenge's manifest decides its workspace's network and limits, and its setup runs inside the
 * workspace's sandbox: seen through the interview's log and status, as an interviewer would. The
 * operator allows egress here, so that each challenge's own setting is what decides. Egress is a
 * network of the workspace's own, never the host's: its loopback services stay out of reach.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class ChallengeEnvironmentTest {

  @TempDir static Path data;
  @TempDir static Path challenges;
  static ServerSocket hostService;
  static int portalPort;
  static TestPrequel p;

  /** Tries the host's service and the portal; prints what happened to each. */
  private static final String PROBE =
      """
      import socket, sys
      for name, port in [('host', int(sys.argv[1])), ('portal', int(sys.argv[2]))]:
          try:
              socket.create_connection(('127.0.0.1', port), timeout=3).close()
              print(name, 'connected')
          except OSError as e:
              print(name, 'refused:', e)
      """;

  @BeforeAll
  static void start() throws Exception {
    hostService = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      portalPort = free.getLocalPort();
    }
    String probe = "python3 probe.py " + hostService.getLocalPort() + " " + portalPort;
    challenge(
        "offline",
        "network: none\nresources: {cpu: 0.5, memory: 256Mi, processes: 100}\n"
            + "setup:\n  - id -u\n  - "
            + probe
            + "\n");
    challenge("online", "network: egress\nsetup:\n  - " + probe + "\n  - cat /proc/net/route\n");
    challenge("nosy", "setup:\n  - echo trying; cat " + data.resolve("prequel.mv.db") + "\n");
    p =
        TestPrequel.start(
            data,
            Map.of(
                "PREQUEL_PORT", Integer.toString(portalPort),
                "PREQUEL_CHALLENGES_DIR", challenges.toString(),
                "PREQUEL_WORKSPACE_OUTBOUND", "egress"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (p != null) {
      p.close();
    }
    hostService.close();
  }

  @Test
  void aChallengeWithoutNetworkReachesNeitherTheHostNorThePortalAndGetsItsLimits()
      throws Exception {
    String id = activeInterview("offline");

    String log = log(id);
    assertThat(log).contains("host refused:").contains("portal refused:");
    assertThat(log).doesNotContain("host connected").doesNotContain("portal connected");
    assertThat(log).contains("no network; 0.5 CPU, 256 MiB, 100 processes");
    Path cgroup = Path.of("/sys/fs/cgroup/memory/prequel", id);
    assertThat(Files.readString(cgroup.resolve("memory.limit_in_bytes")).strip())
        .isEqualTo(Long.toString(256L * 1024 * 1024));
    assertThat(Files.readString(Path.of("/sys/fs/cgroup/cpu/prequel", id, "cpu.cfs_quota_us")))
        .startsWith("50000");
  }

  @Test
  void setupRunsAsTheWorkspacesOwnUser() throws Exception {
    String id = activeInterview("offline");

    String user = Files.readString(data.resolve("workspaces").resolve(id).resolve("sandbox-user"));
    String uid =
        Long.toString(
            (Integer)
                Files.getAttribute(
                    data.resolve("workspaces").resolve(id).resolve("workspace"), "unix:uid"));
    assertThat(user).startsWith("prequel-ws-");
    assertThat(uid).isNotEqualTo("0");
    assertThat(log(id)).contains("$ id -u\n").contains("\n  " + uid + "\n");
  }

  @Test
  void aChallengeWithEgressGetsANetworkOfItsOwnButNeitherTheHostNorThePortal() throws Exception {
    String id = activeInterview("online");

    // Its own interface with a default route (outbound NAT through slirp4netns); the host's
    // loopback services are not on it. (No internet here to try the route for real.)
    String log = log(id);
    assertThat(log).contains("egress, no host network").contains("network: a namespace of its own");
    assertThat(log).contains("tap0\t00000000\t0202000A"); // default via 10.0.2.2
    assertThat(log).contains("host refused:").contains("portal refused:");
    assertThat(log).doesNotContain("host connected").doesNotContain("portal connected");
  }

  @Test
  void aSetupThatReadsThePortalsDataFailsAndTheInterviewShowsWhy() throws Exception {
    Files.writeString(data.resolve("prequel.mv.db.copy"), "unused");
    String id = p.create("nosy", 30).get("id").asText();

    await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("error"));
    String log = log(id);
    assertThat(log).contains("trying").contains("No such file or directory");
    assertThat(p.json(p.get("/api/v1/interviews/" + id)).get("errorReason").asText())
        .contains("setup command")
        .contains("failed with exit code 1");
  }

  private static String activeInterview(String challenge) throws Exception {
    String id = p.create(challenge, 30).get("id").asText();
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> p.status(id), s -> s.equals("active") || s.equals("error"));
    assertThat(p.status(id)).as(log(id)).isEqualTo("active");
    return id;
  }

  /** The interview's log as the API gives it, one line per entry. */
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
    Files.writeString(
        dir.resolve("challenge.yaml"), "title: " + id + "\nsetupTimeoutSeconds: 60\n" + yaml);
  }
}
