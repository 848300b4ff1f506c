package dev.prequel.proxy;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.Workspace;
import io.javalin.Javalin;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkspaceProxyTest {
  static FakeWorkspace workspace;
  static Javalin portal;
  static WorkspaceProxy proxy;
  static java.nio.file.Path socketDir;
  static final AtomicReference<Server> portalServer = new AtomicReference<>();
  static HttpClient http;
  static WebSocketClient webSockets;

  /** Accepts connections (the kernel's backlog) and never answers them. */
  static java.net.ServerSocket silent;

  static final WorkspaceCookies cookies = new WorkspaceCookies(new byte[32], Clock.systemUTC());

  @BeforeAll
  static void start() throws Exception {
    socketDir = java.nio.file.Files.createTempDirectory("prequel-proxy-test");
    silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    workspace = new FakeWorkspace(socketDir.resolve("ws.sock"));
    int ownUid = (Integer) java.nio.file.Files.getAttribute(socketDir, "unix:uid");
    Map<String, Workspace> workspaces =
        Map.of(
            "abc",
            workspace("abc", workspace.endpoint(), Workspace.ANY_PEER),
            "uds",
            workspace("uds", workspace.unixEndpoint(), ownUid),
            "wrongpeer",
            workspace("wrongpeer", workspace.unixEndpoint(), ownUid + 4242),
            "dead",
            workspace("dead", URI.create("http://127.0.0.1:" + closedPort()), Workspace.ANY_PEER),
            "silent",
            workspace(
                "silent",
                URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                Workspace.ANY_PEER),
            "deaduds",
            workspace(
                "deaduds", URI.create("unix://" + socketDir.resolve("nobody-listens.sock")), 0));
    proxy =
        new WorkspaceProxy(
            "localhost",
            id -> Optional.ofNullable(workspaces.get(id)),
            new CandidateLogin(cookies, id -> Optional.of("pw-" + id), false, Clock.systemUTC()));
    portal =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.jetty.modifyServer(
                      server -> {
                        server.insertHandler(proxy);
                        portalServer.set(server);
                      });
                  cfg.routes.get("/", ctx -> ctx.result("portal"));
                })
            .start(0);
    http = new HttpClient();
    http.start();
    http.getContentDecoderFactories()
        .clear(); // after start, which installs the defaults: to see what the proxy sends
    webSockets = new WebSocketClient();
    webSockets.setMaxBinaryMessageSize(16 * 1024 * 1024);
    webSockets.start();
  }

  @AfterAll
  static void stop() throws Exception {
    webSockets.stop();
    http.stop();
    portal.stop();
    workspace.stop();
    silent.close();
    java.nio.file.Files.deleteIfExists(socketDir.resolve("ws.sock"));
    java.nio.file.Files.deleteIfExists(socketDir);
  }

  @Test
  void workspaceOnAUnixSocketGetsPagesAndWebSocketsWithTheBrowsersHost() throws Exception {
    ContentResponse response = get("uds.localhost:" + portal.port(), "/echo");

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentAsString())
        .contains("Host: uds.localhost:" + portal.port())
        .contains("X-Forwarded-Host: uds.localhost:" + portal.port());

    Recorder browser = new Recorder();
    ClientUpgradeRequest upgrade =
        upgradeRequest("http://uds.localhost:" + portal.port(), "vscode");
    upgrade.setHeader("Host", "uds.localhost:" + portal.port());
    upgrade.setHeader("Cookie", cookieFor("uds.localhost"));
    Session session = webSockets.connect(browser, upgrade).get(10, SECONDS);
    session.sendText("over a unix socket", Callback.NOOP);
    assertThat(browser.texts.poll(10, SECONDS)).isEqualTo("over a unix socket");
    assertThat(session.getUpgradeResponse().getAcceptedSubProtocol()).isEqualTo("vscode");
    session.close();
  }

  private static Workspace workspace(String id, URI endpoint, int peerUid) {
    return new Workspace(id, endpoint, java.time.Instant.EPOCH, peerUid);
  }

  @Test
  void aSocketAnsweredByAnotherUserThanTheWorkspacesIsRefusedWithAMessage() throws Exception {
    // given a workspace whose socket is answered by a process of another user than its own

    // when the candidate loads a page and opens a WebSocket
    ContentResponse page = get("wrongpeer.localhost:" + portal.port(), "/echo");
    ClientUpgradeRequest upgrade =
        upgradeRequest("http://wrongpeer.localhost:" + portal.port(), "vscode");
    upgrade.setHeader("Host", "wrongpeer.localhost:" + portal.port());
    upgrade.setHeader("Cookie", cookieFor("wrongpeer.localhost"));
    var refused = webSockets.connect(new Recorder(), upgrade);

    // then both are refused with a page that says so, and nothing of the workspace shows
    assertThat(page.getStatus()).isEqualTo(502);
    assertThat(page.getContentAsString()).contains("Prequel refused it");
    assertThatThrownBy(() -> refused.get(10, SECONDS))
        .hasCauseInstanceOf(UpgradeException.class)
        .cause()
        .hasMessageContaining("502");
    assertThat(page.getContentAsString()).doesNotContain("Host: wrongpeer");
  }

  @Test
  void deadUnixSocketGetsA502WithAMessage() throws Exception {
    ContentResponse response = get("deaduds.localhost:" + portal.port(), "/");

    assertThat(response.getStatus()).isEqualTo(502);
    assertThat(response.getContentAsString()).contains("not answering");
  }

  @Test
  void workspaceHostReachesTheWorkspaceWithTheBrowsersHostAndPort() throws Exception {
    ContentResponse response = get("abc.localhost:" + portal.port(), "/echo");

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentAsString())
        .contains("Host: abc.localhost:" + portal.port())
        .contains("X-Forwarded-Host: abc.localhost:" + portal.port())
        .doesNotContain("Forwarded: ");
    assertThat(response.getContentAsString().lines().filter(line -> line.startsWith("User-Agent:")))
        .hasSize(1);
  }

  @Test
  void portalHostGetsThePortalAndNeverTheWorkspace() throws Exception {
    assertThat(get("localhost:" + portal.port(), "/").getContentAsString()).isEqualTo("portal");
    assertThat(get("127.0.0.1:" + portal.port(), "/").getContentAsString()).isEqualTo("portal");
    assertThat(get("localhost:" + portal.port(), "/echo").getStatus()).isEqualTo(404);
    assertThat(get("abc.localhost:" + portal.port(), "/").getContentAsString())
        .isNotEqualTo("portal");
  }

  @Test
  void unknownInterviewGetsAClear404() throws Exception {
    ContentResponse response = get("zzz.localhost:" + portal.port(), "/");

    assertThat(response.getStatus()).isEqualTo(404);
    assertThat(response.getContentAsString())
        .contains("No interview workspace here", "it may have ended or the link is wrong");
  }

  @Test
  void hostsThatAreNotASingleLowercaseLabelAreNotWorkspaces() {
    assertThat(proxy.interviewIdOf("abc.localhost")).contains("abc");
    assertThat(proxy.interviewIdOf("ABC.LOCALHOST")).contains("abc");
    assertThat(proxy.interviewIdOf("localhost")).isEmpty();
    assertThat(proxy.interviewIdOf("a.b.localhost")).isEmpty();
    assertThat(proxy.interviewIdOf("a-b.localhost")).isEmpty();
    assertThat(proxy.interviewIdOf("x".repeat(64) + ".localhost")).isEmpty();
    assertThat(proxy.interviewIdOf("abc.localhost.evil.example")).isEmpty();
  }

  @Test
  void deadWorkspaceGetsA502WithAMessage() throws Exception {
    ContentResponse response = get("dead.localhost:" + portal.port(), "/");

    assertThat(response.getStatus()).isEqualTo(502);
    assertThat(response.getContentAsString()).contains("not answering").doesNotContain("Exception");
  }

  @Test
  void portalSessionAndWorkspaceLoginCookiesNeverReachTheWorkspace() throws Exception {
    ContentResponse response =
        http.newRequest("http://127.0.0.1:" + portal.port() + "/echo")
            .headers(
                h ->
                    h.put(HttpHeader.HOST, "abc.localhost:" + portal.port())
                        .put(
                            HttpHeader.COOKIE,
                            "theme=dark; prequel_session=secret; code-server-session=cs; "
                                + cookieFor("abc.localhost")))
            .timeout(10, SECONDS)
            .send();

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(response.getContentAsString())
        .contains("theme=dark", "code-server-session=cs")
        .doesNotContain("prequel_session", "secret", "prequel_ws");
  }

  @Test
  void browsersForwardingAndHopByHopHeadersNeverReachTheWorkspaceButItsOwnHeadersDo()
      throws Exception {
    // given a browser that sends its cookies in two headers, claims forwarding headers of its
    // own, and names a header as hop-by-hop in Connection
    ContentResponse response =
        http.newRequest("http://127.0.0.1:" + portal.port() + "/echo")
            .headers(
                h ->
                    h.put(HttpHeader.HOST, "abc.localhost:" + portal.port())
                        .add(HttpHeader.COOKIE, "theme=dark; " + cookieFor("abc.localhost"))
                        .add(HttpHeader.COOKIE, "prequel_session=secret; lang=en")
                        .put(HttpHeader.FORWARDED, "for=6.6.6.6;host=\"evil.example\"")
                        .put(HttpHeader.X_FORWARDED_HOST, "evil.example")
                        .put(HttpHeader.X_FORWARDED_FOR, "6.6.6.6")
                        .put(HttpHeader.CONNECTION, "keep-alive, X-Hop")
                        .put("X-Hop", "only-for-the-proxy")
                        .put("X-Kept", "for-the-workspace"))
            .timeout(10, SECONDS)
            .send();

    // then the workspace sees the browser's own cookies and headers, and the proxy's forwarding
    // headers only
    String seen = response.getContentAsString();
    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(seen)
        .contains("theme=dark", "lang=en", "X-Kept: for-the-workspace")
        .contains("X-Forwarded-Host: abc.localhost:" + portal.port())
        .doesNotContain("prequel_session", "secret", "prequel_ws", "evil.example", "6.6.6.6")
        .doesNotContain("X-Hop", "Forwarded: for");
  }

  @Test
  void strippingCookiesKeepsEveryOtherCookieWhole() {
    Set<String> portal = WorkspaceProxy.DEFAULT_STRIPPED_COOKIES;

    assertThat(
            WorkspaceProxy.withoutCookies(
                " a=1;prequel_ws=x.y ; b=c=d;; prequel_session =s;flag;", portal))
        .isEqualTo("a=1; b=c=d; flag");
    assertThat(WorkspaceProxy.withoutCookies("prequel_ws=x; prequel_session=s", portal)).isNull();
    assertThat(WorkspaceProxy.withoutCookies("", portal)).isNull();
    assertThat(WorkspaceProxy.withoutCookies("prequel_wsx=1; xprequel_ws=2", portal))
        .isEqualTo("prequel_wsx=1; xprequel_ws=2");
  }

  @Test
  void compressedResponsesPassThroughUnchanged() throws Exception {
    ContentResponse response = get("abc.localhost:" + portal.port(), "/gzip");

    assertThat(response.getHeaders().get(HttpHeader.CONTENT_ENCODING)).isEqualTo("gzip");
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(response.getContent()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo(FakeWorkspace.GZIP_TEXT);
    }
  }

  @Test
  void responsesStreamInsteadOfBeingBuffered() throws Exception {
    InputStreamResponseListener listener = new InputStreamResponseListener();
    http.newRequest("http://127.0.0.1:" + portal.port() + "/stream")
        .headers(
            h ->
                h.put(HttpHeader.HOST, "abc.localhost:" + portal.port())
                    .put(HttpHeader.COOKIE, cookieFor("abc.localhost")))
        .send(listener);
    InputStream body = listener.getInputStream();

    // The workspace holds back its second part until we have read the first. Not
    // readNBytes(int): once it has its bytes it still calls read(buffer, n, 0), which Jetty's
    // InputStreamResponseListener answers only when the next chunk (the second part) arrives.
    byte[] first = new byte["first part\n".length()];
    int read = body.readNBytes(first, 0, first.length);
    assertThat(new String(first, 0, read, StandardCharsets.UTF_8)).isEqualTo("first part\n");
    workspace.releaseStream.countDown();
    assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("second part\n");
  }

  @Test
  void webSocketEchoesTextAndFragmentsAndKeepsTheSubprotocol() throws Exception {
    Recorder browser = new Recorder();
    Session session =
        connect(browser, "http://abc.localhost:" + portal.port(), "vscode").get(10, SECONDS);

    session.sendText("hello", Callback.NOOP);
    assertThat(browser.texts.poll(10, SECONDS)).isEqualTo("hello");
    session.sendPartialText("frag", false, Callback.NOOP);
    session.sendPartialText("ment", false, Callback.NOOP);
    session.sendPartialText("ed", true, Callback.NOOP);
    assertThat(browser.texts.poll(10, SECONDS)).isEqualTo("fragmented");
    assertThat(session.getUpgradeResponse().getAcceptedSubProtocol()).isEqualTo("vscode");
    session.close();
  }

  @Test
  void eightMebibyteBinaryMessageEchoesIntact() throws Exception {
    Recorder browser = new Recorder();
    Session session =
        connect(browser, "http://abc.localhost:" + portal.port(), null).get(10, SECONDS);
    byte[] payload = new byte[8 * 1024 * 1024];
    new Random(42).nextBytes(payload);

    session.sendBinary(ByteBuffer.wrap(payload), Callback.NOOP);

    assertThat(browser.binaries.poll(30, SECONDS)).isEqualTo(payload);
    session.close();
  }

  @Test
  void closeCodesPassBothWays() throws Exception {
    Recorder browser = new Recorder();
    Session session =
        connect(browser, "http://abc.localhost:" + portal.port(), null).get(10, SECONDS);
    session.sendText("close 4001 bye", Callback.NOOP);
    assertThat(browser.closes.poll(10, SECONDS)).isEqualTo("4001 bye");
    await().untilAsserted(() -> assertThat(workspace.closesReceived).contains("4001 bye"));

    Session second =
        connect(new Recorder(), "http://abc.localhost:" + portal.port(), null).get(10, SECONDS);
    second.close(4002, "candidate left", Callback.NOOP);
    await()
        .untilAsserted(() -> assertThat(workspace.closesReceived).contains("4002 candidate left"));
  }

  @Test
  void upgradeTheWorkspaceRefusesIsRefusedWithItsStatus() {
    assertThatThrownBy(() -> connect(new Recorder(), "http://evil.example", null).get(10, SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UpgradeException.class)
        .satisfies(e -> assertThat(((UpgradeException) e).getResponseStatusCode()).isEqualTo(403));
  }

  @Test
  void webSocketsGetALongIdleTimeoutOnBothSides() throws Exception {
    Session session =
        connect(new Recorder(), "http://abc.localhost:" + portal.port(), null).get(10, SECONDS);

    WebSocketTunnel tunnel = proxy.getContainedBeans(WebSocketTunnel.class).iterator().next();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(tunnel.openEndPoints())
                    .hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(
                        e ->
                            assertThat(e.getIdleTimeout())
                                .isEqualTo(WorkspaceProxy.WEBSOCKET_IDLE_TIMEOUT.toMillis())));
    session.close();
  }

  @Test
  void upgradeKeepsHostOriginAndCookiesButNotThePortalSessionOrLoginOrForwarded() throws Exception {
    workspace.upgradeHeaders.clear();
    ClientUpgradeRequest upgrade = upgradeRequest("http://abc.localhost:" + portal.port(), null);
    upgrade.setHeader(
        "Cookie", "prequel_session=secret; code-server-session=cs; " + cookieFor("abc.localhost"));
    Session session = webSockets.connect(new Recorder(), upgrade).get(10, SECONDS);

    HttpFields seen = workspace.upgradeHeaders.poll(10, SECONDS);
    assertThat(seen.get(HttpHeader.HOST)).isEqualTo("abc.localhost:" + portal.port());
    assertThat(seen.get(HttpHeader.ORIGIN)).isEqualTo("http://abc.localhost:" + portal.port());
    assertThat(seen.get(HttpHeader.COOKIE)).isEqualTo("code-server-session=cs");
    assertThat(seen.get(HttpHeader.FORWARDED)).isNull();
    assertThat(seen.getValuesList(HttpHeader.USER_AGENT)).hasSize(1);
    session.close();
  }

  @Test
  void upgradesToUnknownOrDeadWorkspacesGetTheSameAnswersAsPages() {
    assertThat(upgradeStatus("zzz.localhost:" + portal.port())).isEqualTo(404);
    assertThat(upgradeStatus("dead.localhost:" + portal.port())).isEqualTo(502);
  }

  @Test
  void anUpgradeTheWorkspaceNeverAnswersGetsA502WithinSecondsNotAnHour() {
    ClientUpgradeRequest upgrade = new ClientUpgradeRequest(proxiedWebSocketUri());
    String host = "silent.localhost:" + portal.port();
    upgrade.setHeader("Host", host);
    upgrade.setHeader("Origin", "http://" + host);
    upgrade.setHeader("Cookie", cookieFor(host));

    Throwable failure =
        catchThrowable(() -> webSockets.connect(new Recorder(), upgrade).get(60, SECONDS));

    assertThat(failure)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UpgradeException.class);
    assertThat(((UpgradeException) failure.getCause()).getResponseStatusCode()).isEqualTo(502);
  }

  private static int upgradeStatus(String host) {
    ClientUpgradeRequest upgrade = new ClientUpgradeRequest(proxiedWebSocketUri());
    upgrade.setHeader("Host", host);
    upgrade.setHeader("Origin", "http://" + host);
    upgrade.setHeader("Cookie", cookieFor(host));
    Throwable failure =
        catchThrowable(() -> webSockets.connect(new Recorder(), upgrade).get(10, SECONDS));
    assertThat(failure)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UpgradeException.class);
    return ((UpgradeException) failure.getCause()).getResponseStatusCode();
  }

  private static ContentResponse get(String host, String path) throws Exception {
    return http.newRequest("http://127.0.0.1:" + portal.port() + path)
        .headers(h -> h.put(HttpHeader.HOST, host).put(HttpHeader.COOKIE, cookieFor(host)))
        .timeout(10, SECONDS)
        .send();
  }

  /** The login cookie of the interview a host names, as a logged-in candidate's browser sends. */
  static String cookieFor(String host) {
    String id = host.contains(".") ? host.substring(0, host.indexOf('.')) : host;
    return WorkspaceCookies.NAME + "=" + cookies.mint(id);
  }

  private static java.util.concurrent.CompletableFuture<Session> connect(
      Recorder endpoint, String origin, String subprotocol) throws Exception {
    return webSockets.connect(endpoint, upgradeRequest(origin, subprotocol));
  }

  private static URI proxiedWebSocketUri() {
    return URI.create("ws://127.0.0.1:" + portal.port() + "/ws");
  }

  private static ClientUpgradeRequest upgradeRequest(String origin, String subprotocol) {
    ClientUpgradeRequest upgrade = new ClientUpgradeRequest(proxiedWebSocketUri());
    upgrade.setHeader("Host", "abc.localhost:" + portal.port());
    upgrade.setHeader("Cookie", cookieFor("abc.localhost"));
    upgrade.setHeader("Origin", origin);
    if (subprotocol != null) {
      upgrade.setSubProtocols(subprotocol);
    }
    return upgrade;
  }

  private static int closedPort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** What a browser would notice: the messages it got and how the socket was closed. */
  public static final class Recorder extends Session.Listener.AbstractAutoDemanding {
    final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
    final BlockingQueue<byte[]> binaries = new LinkedBlockingQueue<>();
    final BlockingQueue<String> closes = new LinkedBlockingQueue<>();

    @Override
    public void onWebSocketText(String message) {
      texts.add(message);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
      byte[] bytes = new byte[payload.remaining()];
      payload.get(bytes);
      binaries.add(bytes);
      callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
      // a refused upgrade is asserted through the connect future
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
      closes.add(statusCode + " " + reason);
      callback.succeed();
    }
  }
}
