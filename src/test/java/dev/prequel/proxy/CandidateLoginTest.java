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

  /** An interview whose workspace exists but is still being set up (configuring). */
  private static final String PREPARING = "gamma";

  /** An interview being prepared whose workspace process is not there. */
  private static final String NOT_STARTED = "delta";

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
  private final WorkspaceCookies cookies = new WorkspaceCookies(key(1), clock);
  private FakeWorkspace workspace;
  private Javalin portal;
  private HttpClient http;
  private WebSocketClient webSockets;

  @BeforeEach
  void start() throws Exception {
    workspace = new FakeWorkspace();
    Workspace live = new Workspace("any", workspace.endpoint(), java.time.Instant.EPOCH);
    WorkspaceProxy proxy =
        new WorkspaceProxy(
            "localhost",
            new WorkspaceResolver() {
              @Override
              public Optional<Workspace> workspaceOf(String id) {
                return PASSWORDS.containsKey(id) ? Optional.of(live) : Optional.empty();
              }

              @Override
              public Lookup lookup(String id) {
                return id.equals(PREPARING)
                    ? Lookup.preparing(Optional.of(live))
                    : id.equals(NOT_STARTED)
                        ? Lookup.preparing(Optional.empty())
                        : WorkspaceResolver.super.lookup(id);
              }
            },
            new CandidateLogin(
                cookies,
                id ->
                    Optional.ofNullable(id.equals(PREPARING) ? "Pw-Gamma-9012" : PASSWORDS.get(id)),
                false,
                clock));
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
  void untilTheInterviewIsActiveTheCandidateSeesABeingPreparedPageAndNeverTheWorkspace()
      throws Exception {
    // given an interview whose workspace is still being set up
    // when the candidate opens any page, the login, or posts the right password
    ContentResponse page = get(PREPARING, "/", "text/html", null);
    ContentResponse loginPage = get(PREPARING, "/login", "text/html", null);
    ContentResponse post = login(PREPARING, "Pw-Gamma-9012");
    ContentResponse script = get(PREPARING, "/echo", "*/*", null);
    ContentResponse health = get(PREPARING, "/healthz", "*/*", null);
    ContentResponse withForgedCookie = get(PREPARING, "/echo", "text/html", "prequel_ws=1.abc");

    // then pages say it is being prepared and reload themselves; everything else is 503
    assertThat(page.getStatus()).isEqualTo(200);
    assertThat(page.getContentAsString())
        .contains("being prepared")
        .contains("http-equiv=\"refresh\"")
        .doesNotContain("password");
    assertThat(page.getHeaders().get(HttpHeader.CACHE_CONTROL)).isEqualTo("no-store");
    assertThat(loginPage.getContentAsString()).contains("being prepared").doesNotContain("<form");
    assertThat(post.getStatus()).isEqualTo(503);
    assertThat(post.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).as("no login").isEmpty();
    assertThat(script.getStatus()).isEqualTo(503);
    assertThat(script.getHeaders().get(HttpHeader.RETRY_AFTER)).isEqualTo("5");
    assertThat(health.getStatus()).isEqualTo(503);
    assertThat(withForgedCookie.getContentAsString()).contains("being prepared");
    assertThat(upgradeStatusOn(PREPARING, "prequel_ws=" + cookies.mint(PREPARING))).isEqualTo(503);
    // and not one request reached the workspace
    assertThat(workspace.requests).isEmpty();

    // only Prequel's readiness probe (a cookie only Prequel can mint before then) reaches the
    // health check, and nothing else
    String probe = "prequel_ws=" + cookies.mint(PREPARING);
    assertThat(get(PREPARING, "/healthz", "text/html", probe).getStatus()).isEqualTo(200);
    assertThat(get(PREPARING, "/echo", "text/html", probe).getContentAsString())
        .contains("being prepared");
    assertThat(workspace.requests).containsExactly("/healthz");
  }

  @Test
  void theReadinessProbeIsNeverToldReadyBeforeTheWorkspaceAnswers() throws Exception {
    // given an interview being prepared whose workspace is not there (e.g. killed while starting)
    String probe = "prequel_ws=" + cookies.mint(NOT_STARTED);

    // then the probe gets no 200 from the being-prepared page, but "not reachable"
    ContentResponse r = get(NOT_STARTED, "/healthz", "text/html", probe);
    assertThat(r.getStatus()).isEqualTo(502);
    assertThat(get(NOT_STARTED, "/", "text/html", null).getContentAsString())
        .contains("being prepared");
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
    assertThat(get("alpha", "/echo", "*/*", alpha).getStatus()).isEqualTo(200);

    // (the proxy remembers a verified cookie, but only for its own interview)
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
  void anotherWorkspacesPageCannotSignTheCandidateOut() throws Exception {
    // Given a candidate of alpha; when a page on beta's host (same site) links to alpha's logout
    String cookie = login("alpha", "Pw-Alpha-1234").getHeaders().get(HttpHeader.SET_COOKIE);
    ContentResponse out =
        http.newRequest("127.0.0.1", portal.port())
            .path("/logout")
            .headers(
                h -> {
                  h.put(HttpHeader.HOST, "alpha.localhost:" + portal.port());
                  h.put(HttpHeader.COOKIE, cookie.substring(0, cookie.indexOf(';')));
                  h.put("Sec-Fetch-Site", "same-site");
                })
            .timeout(10, SECONDS)
            .send();

    // Then nothing is cleared and the browser is told why
    assertThat(out.getStatus()).isEqualTo(403);
    assertThat(out.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();
    assertThat(out.getContentAsString()).contains("only from this workspace");
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
    return upgrade("alpha", cookie);
  }

  private ClientUpgradeRequest upgrade(String id, String cookie) {
    ClientUpgradeRequest upgrade =
        new ClientUpgradeRequest(URI.create("ws://127.0.0.1:" + portal.port() + "/ws"));
    upgrade.setHeader("Host", id + ".localhost:" + portal.port());
    upgrade.setHeader("Origin", "http://" + id + ".localhost:" + portal.port());
    if (cookie != null) {
      upgrade.setHeader("Cookie", cookie);
    }
    return upgrade;
  }

  private int upgradeStatus(String cookie) {
    return upgradeStatusOn("alpha", cookie);
  }

  private int upgradeStatusOn(String id, String cookie) {
    Throwable failure =
        catchThrowable(
            () ->
                webSockets
                    .connect(new WorkspaceProxyTest.Recorder(), upgrade(id, cookie))
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
