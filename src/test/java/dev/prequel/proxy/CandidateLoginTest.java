package dev.prequel.proxy;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.prequel.runtime.Workspace;
import dev.prequel.testing.MutableClock;
import io.javalin.Javalin;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The candidate's login at the proxy, in front of a stand-in workspace. */
class CandidateLoginTest {

  private static final Map<String, String> PASSWORDS =
      Map.of("alpha", "Pw-Alpha-1234", "beta", "Pw-Beta-5678");

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
  private final WorkspaceCookies cookies = new WorkspaceCookies(key(1), clock);
  private FakeWorkspace workspace;
  private Javalin portal;
  private HttpClient http;
  private WebSocketClient webSockets;

  @BeforeEach
  void start() throws Exception {
    workspace = new FakeWorkspace();
    URI endpoint = workspace.endpoint();
    WorkspaceProxy proxy =
        new WorkspaceProxy(
            "localhost",
            id ->
                PASSWORDS.containsKey(id)
                    ? Optional.of(new Workspace(id, endpoint, java.time.Instant.EPOCH))
                    : Optional.empty(),
            new CandidateLogin(
                cookies, id -> Optional.ofNullable(PASSWORDS.get(id)), false, clock));
    portal =
        Javalin.create(
                cfg -> {
                  cfg.startup.showJavalinBanner = false;
                  cfg.jetty.modifyServer(server -> server.insertHandler(proxy));
                })
            .start(0);
    http = new HttpClient();
    http.setFollowRedirects(false);
    http.start();
    webSockets = new WebSocketClient();
    webSockets.start();
  }

  @AfterEach
  void stop() throws Exception {
    webSockets.stop();
    http.stop();
    portal.stop();
    workspace.stop();
  }

  @Test
  void withoutACookieAPageIsSentToTheLoginAndAnythingElseGets401() throws Exception {
    ContentResponse page = get("alpha", "/deep/page", "text/html", null);
    assertThat(page.getStatus()).isEqualTo(302);
    assertThat(page.getHeaders().get(HttpHeader.LOCATION)).isEqualTo("/login");

    ContentResponse script = get("alpha", "/echo", "*/*", null);
    assertThat(script.getStatus()).isEqualTo(401);
    assertThat(script.getContentAsString()).contains("Sign in first").doesNotContain("Host:");
  }

  @Test
  void theLoginPageAsksForThePasswordLikeCodeServers() throws Exception {
    ContentResponse page = get("alpha", "/login", "text/html", null);

    assertThat(page.getStatus()).isEqualTo(200);
    assertThat(page.getContentAsString())
        .contains("<form method=\"post\" action=\"login\">")
        .contains("type=\"password\" name=\"password\"")
        .contains("<button type=\"submit\">");
  }

  @Test
  void aWrongPasswordShowsTheLoginAgainWithAMessageAnd401() throws Exception {
    ContentResponse wrong = login("alpha", "Pw-Alpha-123");

    assertThat(wrong.getStatus()).isEqualTo(401);
    assertThat(wrong.getContentAsString()).contains("Wrong password", "name=\"password\"");
    assertThat(wrong.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();
  }

  @Test
  void theRightPasswordSetsAHostOnlyCookieThatOpensTheWorkspace() throws Exception {
    ContentResponse right = login("alpha", "Pw-Alpha-1234");

    assertThat(right.getStatus()).isEqualTo(302);
    assertThat(right.getHeaders().get(HttpHeader.LOCATION)).isEqualTo("/");
    String setCookie = right.getHeaders().get(HttpHeader.SET_COOKIE);
    assertThat(setCookie)
        .startsWith("prequel_ws=")
        .contains("Path=/", "HttpOnly", "SameSite=Lax")
        .doesNotContainIgnoringCase("Domain=")
        .doesNotContainIgnoringCase("Secure")
        .doesNotContain("Pw-Alpha-1234");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    ContentResponse echo = get("alpha", "/echo", "text/html", cookie);
    assertThat(echo.getStatus()).isEqualTo(200);
    assertThat(echo.getContentAsString())
        .contains("Host: alpha.localhost:" + portal.port())
        .doesNotContain("prequel_ws");
    assertThat(get("alpha", "/login", "text/html", cookie).getStatus())
        .as("already logged in")
        .isEqualTo(302);
  }

  @Test
  void aCookieOfOneInterviewDoesNotOpenAnother() throws Exception {
    String alpha = cookieFrom(login("alpha", "Pw-Alpha-1234"));

    ContentResponse onBeta = get("beta", "/echo", "*/*", alpha);

    assertThat(onBeta.getStatus()).isEqualTo(401);
  }

  @Test
  void forgedTamperedOrExpiredCookiesAreRefused() throws Exception {
    String good = cookies.mint("alpha");
    String issued = good.substring(0, good.indexOf('.'));
    String signature = good.substring(good.indexOf('.') + 1);
    char flipped = signature.charAt(0) == 'A' ? 'B' : 'A';
    String otherKey = new WorkspaceCookies(key(2), clock).mint("alpha");
    long later = Long.parseLong(issued) + 3600;

    for (String forged :
        new String[] {
          flipped + signature.substring(1),
          issued + "." + flipped + signature.substring(1),
          later + "." + signature,
          otherKey,
          "",
          "garbage",
          issued + ".",
        }) {
      assertThat(get("alpha", "/echo", "*/*", "prequel_ws=" + forged).getStatus())
          .as(forged)
          .isEqualTo(401);
    }
    assertThat(get("alpha", "/echo", "*/*", "prequel_ws=" + good).getStatus()).isEqualTo(200);

    clock.advance(WorkspaceCookies.VALIDITY.plusSeconds(1));
    assertThat(get("alpha", "/echo", "*/*", "prequel_ws=" + good).getStatus())
        .as("expired")
        .isEqualTo(401);
  }

  @Test
  void aWebSocketUpgradeWithoutTheCookieIsRefused() throws Exception {
    assertThat(upgradeStatus(null)).isEqualTo(401);
    assertThat(upgradeStatus("prequel_ws=" + cookies.mint("beta"))).isEqualTo(401);

    Session session =
        webSockets
            .connect(
                new WorkspaceProxyTest.Recorder(), upgrade("prequel_ws=" + cookies.mint("alpha")))
            .get(10, SECONDS);
    assertThat(session.isOpen()).isTrue();
    session.close();
  }

  @Test
  void tooManyWrongPasswordsLockTheLoginForAMinute() throws Exception {
    for (int n = 0; n < CandidateLogin.MAX_FAILURES; n++) {
      assertThat(login("alpha", "guess-" + n).getStatus()).isEqualTo(401);
    }

    ContentResponse locked = login("alpha", "Pw-Alpha-1234");
    assertThat(locked.getStatus()).isEqualTo(429);
    assertThat(locked.getContentAsString()).contains("Too many wrong passwords", "Wait a minute");
    assertThat(locked.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();
    assertThat(login("beta", "Pw-Beta-5678").getStatus())
        .as("other interviews are not affected")
        .isEqualTo(302);

    clock.advance(CandidateLogin.FAILURE_WINDOW);
    assertThat(login("alpha", "Pw-Alpha-1234").getStatus()).isEqualTo(302);
  }

  @Test
  void logoutClearsTheCookie() throws Exception {
    ContentResponse out = get("alpha", "/logout", "text/html", null);

    assertThat(out.getStatus()).isEqualTo(302);
    assertThat(out.getHeaders().get(HttpHeader.LOCATION)).isEqualTo("/login");
    assertThat(out.getHeaders().get(HttpHeader.SET_COOKIE))
        .startsWith("prequel_ws=;")
        .contains("Expires=Thu, 01 Jan 1970");
  }

  @Test
  void theKeyIsMadeOnceReadableByPrequelOnlyAndKept(@TempDir Path data) throws Exception {
    Path file = data.resolve("keys").resolve("workspace-cookie.key");

    byte[] first = WorkspaceCookies.loadOrCreateKey(file);
    byte[] again = WorkspaceCookies.loadOrCreateKey(file);

    assertThat(first).hasSize(32).isEqualTo(again).isNotEqualTo(new byte[32]);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  private ContentResponse get(String id, String path, String accept, String cookie)
      throws Exception {
    return http.newRequest("127.0.0.1", portal.port())
        .path(path)
        .headers(
            h -> {
              h.put(HttpHeader.HOST, id + ".localhost:" + portal.port());
              h.put(HttpHeader.ACCEPT, accept);
              if (cookie != null) {
                h.put(HttpHeader.COOKIE, cookie);
              }
            })
        .timeout(10, SECONDS)
        .send();
  }

  private ContentResponse login(String id, String password) throws Exception {
    Fields form = new Fields();
    form.put("password", password);
    return http.newRequest("127.0.0.1", portal.port())
        .path("/login")
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.HOST, id + ".localhost:" + portal.port()))
        .body(new FormRequestContent(form))
        .timeout(10, SECONDS)
        .send();
  }

  private static String cookieFrom(ContentResponse login) {
    String setCookie = login.getHeaders().get(HttpHeader.SET_COOKIE);
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  private ClientUpgradeRequest upgrade(String cookie) {
    ClientUpgradeRequest upgrade =
        new ClientUpgradeRequest(URI.create("ws://127.0.0.1:" + portal.port() + "/ws"));
    upgrade.setHeader("Host", "alpha.localhost:" + portal.port());
    upgrade.setHeader("Origin", "http://alpha.localhost:" + portal.port());
    if (cookie != null) {
      upgrade.setHeader("Cookie", cookie);
    }
    return upgrade;
  }

  private int upgradeStatus(String cookie) {
    Throwable failure =
        catchThrowable(
            () ->
                webSockets
                    .connect(new WorkspaceProxyTest.Recorder(), upgrade(cookie))
                    .get(10, SECONDS));
    assertThat(failure)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(UpgradeException.class);
    return ((UpgradeException) failure.getCause()).getResponseStatusCode();
  }

  private static byte[] key(int seed) {
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) seed);
    return key;
  }
}
