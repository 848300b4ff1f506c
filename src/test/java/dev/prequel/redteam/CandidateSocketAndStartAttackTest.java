package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 11, attacks 1 and 2, played as the candidate from a shell of their own workspace's user in
 * its sandbox, against a real Prequel with real sandboxed code-servers:
 *
 * <ul>
 *   <li>socket swap: replace /run/prequel/code-server.sock with a link to a root-only host socket,
 *       or to another workspace's socket, then browse through the own interview URL;
 *   <li>the same link planted behind the sandbox's back (as if the socket folder had not been
 *       sealed): the proxy's peer check must still refuse it;
 *   <li>write-through links: replace the files Prequel writes at each start (extension files and
 *       their *.tmp siblings, files.json, settings.json) with links to a root-owned host file, kill
 *       code-server and let Prequel start it again.
 * </ul>
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateSocketAndStartAttackTest {

  @TempDir static Path data;
  @TempDir static Path hostOnly;
  static TestPrequel p;
  static LocalRuntime runtime;
  static String mine;
  static String mineCookie;
  static String other;
  static String otherCookie;
  static HostSocket hostSocket;

  @BeforeAll
  static void startTwoInterviews() throws Exception {
    Files.setPosixFilePermissions(hostOnly, PosixFilePermissions.fromString("rwx------"));
    hostSocket = new HostSocket(hostOnly.resolve("host.sock"));
    p = TestPrequel.start(data);
    runtime = (LocalRuntime) p.runtime();
    assertThat(runtime.describe().sandboxed()).as("needs the sandbox").isTrue();
    JsonNode a = p.create("sql-sales-report", 60);
    JsonNode b = p.create("sql-sales-report", 60);
    mine = a.get("id").asText();
    other = b.get("id").asText();
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> p.status(mine).equals("active") && p.status(other).equals("active"));
    mineCookie = p.workspaceCookie(mine, a.get("password").asText());
    otherCookie = p.workspaceCookie(other, b.get("password").asText());
  }

  @AfterAll
  static void stop() throws Exception {
    if (p != null) {
      p.close();
    }
    if (hostSocket != null) {
      hostSocket.close();
    }
  }

  @Test
  void aCandidateCannotSwapTheirSocketForAHostSocketOrAnotherWorkspaces() throws Exception {
    // given a root-only socket on the host, and another interview's socket
    String otherSocket = runtime.find(other).orElseThrow().endpoint().getPath();
    int connectionsBefore = hostSocket.connections.get();

    // when the candidate replaces their socket with links to them, and browses their own URL
    Result swap =
        asCandidate(
            mine,
            "rm -f /run/prequel/code-server.sock; echo rm=$?;"
                + " ln -sf "
                + hostSocket.path
                + " /run/prequel/code-server.sock; echo host=$?;"
                + " ln -sf "
                + otherSocket
                + " /run/prequel/other.sock; echo other=$?;"
                + " mv /run/prequel/code-server.sock /run/prequel/x; echo mv=$?");
    List<Integer> statuses = browse(mine, mineCookie, 20);

    // then the socket folder cannot be changed, nothing reached the host socket, and the
    // candidate keeps their own workspace
    assertThat(swap.output())
        .contains("Permission denied")
        .contains("rm=1")
        .contains("host=1")
        .contains("other=1")
        .contains("mv=1");
    assertThat(hostSocket.connections.get()).isEqualTo(connectionsBefore);
    assertThat(hostSocket.bytes.get()).isZero();
    assertThat(statuses).containsOnly(200);
    assertThat(browse(other, otherCookie, 1)).containsOnly(200);
  }

  @Test
  void evenASocketPathThatLedElsewhereSendsNoByteThereAndARestartHeals() throws Exception {
    // given (behind the sandbox's back, as if sealing had failed) the candidate's socket path
    // leads to a root-only host socket
    Workspace before = runtime.find(mine).orElseThrow();
    Path socket = Path.of(before.endpoint().getPath()).toRealPath();
    Files.delete(socket);
    Files.createSymbolicLink(socket, hostSocket.path);
    int connectionsBefore = hostSocket.connections.get();

    // when the candidate's browser opens a WebSocket on their own URL (a new connection to the
    // socket each time; pages may ride on connections the proxy made before)
    String page = openWebSocket(mine, mineCookie);

    // then the proxy refuses the stranger at the other end before sending a byte, and says so
    assertThat(page).startsWith("HTTP/1.1 502").contains("Prequel refused it");
    // (the host socket counts on threads of its own, which CI once saw lag behind the proxy's
    // answer: wait until the proxy's connection is there and was read to its end)
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                hostSocket.connections.get() > connectionsBefore
                    && hostSocket.ended.get() == hostSocket.connections.get());
    assertThat(hostSocket.bytes.get()).isZero();

    // and when it leads to another interview's code-server instead, that is refused as well
    Files.delete(socket);
    Files.createSymbolicLink(
        socket, Path.of(runtime.find(other).orElseThrow().endpoint().getPath()).toRealPath());
    assertThat(openWebSocket(mine, mineCookie))
        .startsWith("HTTP/1.1 502")
        .contains("Prequel refused it");

    // and once the candidate's code-server dies, Prequel starts it in a fresh, sealed folder
    killEverythingOf(mine);
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> browse(mine, mineCookie, 1).equals(List.of(200)));
    assertThat(runtime.find(mine).orElseThrow().startedAt()).isAfter(before.startedAt());
    assertThat(hostSocket.bytes.get()).isZero();
    assertThat(browse(other, otherCookie, 1)).containsOnly(200);
  }

  @Test
  void linksInPlaceOfPrequelsFilesAreNeverWrittenThroughWhenCodeServerRestarts() throws Exception {
    // given a root-owned file on the host
    Path hostFile = hostOnly.resolve("precious.conf");
    Files.writeString(hostFile, "root's own\n");
    Instant startedBefore = runtime.find(mine).orElseThrow().startedAt();

    // when the candidate replaces everything Prequel writes at a start with links to it
    String links =
        "H="
            + hostFile
            + "; E=/prequel/extensions/prequel.open-files-1.0.0;"
            + " for f in package.json extension.js files.json"
            + " package.json.tmp extension.js.tmp files.json.tmp; do"
            + "   rm -f $E/$f; ln -sf $H $E/$f || echo refused $f; done;"
            + " S=/prequel/user-data/User; rm -f $S/settings.json $S/settings.json.tmp;"
            + " ln -sf $H $S/settings.json && ln -sf $H $S/settings.json.tmp && echo settings linked;"
            + " mkdir -p /prequel/extensions/x && ln -sf $H /prequel/extensions/x/package.json;"
            + " echo done";
    Result planted = asCandidate(mine, links);
    // and kills their code-server, which Prequel starts again
    killEverythingOf(mine);
    await()
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                runtime.find(mine).map(w -> w.startedAt().isAfter(startedBefore)).orElse(false)
                    && browse(mine, mineCookie, 1).equals(List.of(200)));

    // then Prequel's own files were read-only to the candidate, the host file is untouched, and
    // the workspace works again with its extension and the files it opens
    assertThat(planted.output())
        .contains("refused package.json")
        .contains("refused files.json")
        .contains("refused extension.js.tmp")
        .contains("settings linked")
        .contains("Read-only file system");
    assertThat(hostFile).hasContent("root's own\n");
    assertThat(Files.getAttribute(hostFile, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
    Result after =
        asCandidate(
            mine,
            "cat /prequel/extensions/prequel.open-files-1.0.0/files.json; echo;"
                + " head -c 40 /prequel/extensions/prequel.open-files-1.0.0/extension.js");
    assertThat(after.output()).contains("1_revenue_by_month.sql").contains("require('vscode')");
  }

  /** Kills every process of the workspace's user: what the candidate's own `kill -9 -1` does. */
  private static void killEverythingOf(String id) throws Exception {
    String uid = asCandidate(id, "id -u").output().strip();
    Process kill = new ProcessBuilder("pkill", "-KILL", "-U", uid).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  /** A WebSocket upgrade through the candidate's own URL; answers what came back. */
  private static String openWebSocket(String id, String cookie) throws IOException {
    String host = id + ".localhost:" + p.port();
    try (java.net.Socket browser =
        new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), p.port())) {
      browser.setSoTimeout(10_000);
      browser
          .getOutputStream()
          .write(
              ("GET /stable/ws HTTP/1.1\r\nHost: "
                      + host
                      + "\r\nOrigin: http://"
                      + host
                      + "\r\nCookie: "
                      + cookie
                      + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      // Until the page's end, or the proxy hangs up (a refusal may come in several reads).
      StringBuilder answer = new StringBuilder();
      byte[] buffer = new byte[4096];
      int n;
      while (!answer.toString().contains("</html>")
          && (n = browser.getInputStream().read(buffer)) > 0) {
        answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
      }
      return answer.toString();
    }
  }

  /** GETs /healthz through the candidate's own URL, as their browser would. */
  private static List<Integer> browse(String id, String cookie, int times) throws Exception {
    Integer[] statuses = new Integer[times];
    for (int i = 0; i < times; i++) {
      statuses[i] = p.workspaceGet(id, "/healthz", cookie).getStatus();
    }
    return List.of(statuses);
  }

  record Result(int exit, String output) {}

  /** A shell as the workspace's user inside its sandbox, as the candidate's terminal runs. */
  private static Result asCandidate(String id, String script) throws Exception {
    Process process = CandidateShell.exec(runtime, id, List.of("/bin/bash", "-c", script));
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("[candidate] " + out.replace("\n", "\n[candidate] "));
    return new Result(process.exitValue(), out);
  }

  /** A root-only socket on the host that counts who connected and what they sent. */
  static final class HostSocket implements AutoCloseable {
    final Path path;
    final AtomicInteger connections = new AtomicInteger();

    /** Connections read to their end (the proxy hung up), so {@link #bytes} is final for them. */
    final AtomicInteger ended = new AtomicInteger();

    final AtomicLong bytes = new AtomicLong();
    private final ServerSocketChannel server;
    private final Thread acceptor;

    HostSocket(Path path) throws IOException {
      this.path = path;
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(path));
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
      acceptor = new Thread(this::serve, "host-socket");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private void serve() {
      while (server.isOpen()) {
        try {
          SocketChannel client = server.accept();
          connections.incrementAndGet();
          Thread reader = new Thread(() -> read(client), "host-socket-reader");
          reader.setDaemon(true);
          reader.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    }

    private void read(SocketChannel client) {
      ByteBuffer buffer = ByteBuffer.allocate(4096);
      try (client) {
        int n;
        while ((n = client.read(buffer)) >= 0) {
          bytes.addAndGet(n);
          buffer.clear();
          // Answers like a Docker socket would, had anything asked.
          client.write(
              ByteBuffer.wrap(
                  "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nhost here"
                      .getBytes(StandardCharsets.US_ASCII)));
        }
      } catch (IOException e) {
        // the proxy hung up
      } finally {
        ended.incrementAndGet();
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      Files.deleteIfExists(path);
    }
  }
}
