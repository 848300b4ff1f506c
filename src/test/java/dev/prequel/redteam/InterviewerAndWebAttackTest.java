package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A hostile web page, a hostile stranger and a hostile interviewer against the portal and API
 * (issue 11), over real HTTP against a real Prequel:
 *
 * <ul>
 *   <li>attack 5: a cross-site {@code text/plain} POST to {@code /api/v1/users} with the admin's
 *       cached Basic credentials, the same as a form, and the same as a form to the portal's own
 *       {@code /admin/users}; and whether any 401 makes a browser ask for (and cache) Basic
 *       credentials;
 *   <li>attack 6: 25 wrong passwords for the admin from one address, then the admin with the right
 *       password from another (sign-in form and HTTP Basic);
 *   <li>an open redirect after sign-in through {@code next} ({@code /\t/evil}, {@code //evil},
 *       {@code /\evil}, {@code https:});
 *   <li>the candidate's URL before the interview is active: signing in, or reaching the workspace,
 *       must wait for it;
 *   <li>an interviewer deleting an ended interview's archive (admins only);
 *   <li>a page on another site framing the portal to steal a click (clickjacking).
 * </ul>
 */
class InterviewerAndWebAttackTest {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private static final String INTERVIEWER = "iwa-grace@prequel.test";
  private static final String INTERVIEWER_PASSWORD = "iwa-interviewer-pw-42";

  @TempDir static Path data;
  static TestPrequel p;
  static org.eclipse.jetty.client.HttpClient attacker;
  static org.eclipse.jetty.client.HttpClient admin;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
    // Linux answers on all of 127/8: the attacker comes from 127.0.0.2, the admin from 127.0.0.1.
    attacker = client("127.0.0.2");
    admin = client("127.0.0.1");
    HttpResponse<String> created =
        p.send(
            "POST",
            "/api/v1/users",
            TestPrequel.JSON.writeValueAsString(
                Map.of(
                    "email",
                    INTERVIEWER,
                    "role",
                    "interviewer",
                    "password",
                    INTERVIEWER_PASSWORD)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    attacker.stop();
    admin.stop();
    p.close();
  }

  @Test
  void aCrossSiteTextPlainPostWithCachedBasicCredentialsCreatesNoUser() throws Exception {
    int before = users().size();
    String body =
        "{\"email\":\"iwa-evil@prequel.test\",\"role\":\"admin\",\"password\":\"iwa-evil-pw-123\"}";
    // what a page on another site can make the browser send without asking first
    for (String type :
        List.of(
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=----x")) {
      HttpResponse<String> r = post("/api/v1/users", type, body, TestAuth.basic());
      assertThat(r.statusCode()).as(type).isEqualTo(415);
      assertThat(r.body()).contains("application/json");
    }
    HttpResponse<String> form =
        post(
            "/admin/users",
            "application/x-www-form-urlencoded",
            "email=iwa-evil%40prequel.test&role=admin&password=iwa-evil-pw-123",
            TestAuth.basic());
    assertThat(form.statusCode()).isEqualTo(403);
    assertThat(users()).hasSize(before).noneMatch(u -> u.contains("iwa-evil"));
  }

  @Test
  void noRefusalMakesABrowserAskForBasicCredentials() throws Exception {
    for (String path : List.of("/api/v1/users", "/api/v1/interviews", "/metrics", "/interviews")) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(p.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.headers().allValues("WWW-Authenticate"))
          .as(path)
          .noneMatch(v -> v.toLowerCase(java.util.Locale.ROOT).startsWith("basic"));
    }
  }

  @Test
  void wrongPasswordsFromOneAddressNeverKeepTheAdminOutFromAnother() throws Exception {
    // given 25 wrong passwords for the admin from the attacker's address (form and Basic)
    for (int n = 0; n < 25; n++) {
      int status =
          n % 2 == 0
              ? signIn(attacker, TestAuth.ADMIN_EMAIL, "wrong-password-" + n).getStatus()
              : me(attacker, TestAuth.basic(TestAuth.ADMIN_EMAIL, "wrong-password-" + n))
                  .getStatus();
      assertThat(status).as("attempt " + n).isIn(401, 429);
    }
    // then the attacker is slowed down for that account, even when guessing right
    ContentResponse slowed = signIn(attacker, TestAuth.ADMIN_EMAIL, TestAuth.ADMIN_PASSWORD);
    assertThat(slowed.getStatus()).isEqualTo(429);
    assertThat(slowed.getContentAsString()).contains("too many failed sign-ins");
    // and the admin from another address signs in at once, with the form and with Basic
    ContentResponse form = signIn(admin, TestAuth.ADMIN_EMAIL, TestAuth.ADMIN_PASSWORD);
    assertThat(form.getStatus()).as(form.getContentAsString()).isEqualTo(303);
    assertThat(form.getHeaders().get(HttpHeader.SET_COOKIE)).contains("prequel_session=");
    ContentResponse basic = me(admin, TestAuth.basic());
    assertThat(basic.getStatus()).isEqualTo(200);
    // and so does anyone else from the attacker's address... up to that address's own limit
    assertThat(me(attacker, "Basic " + b64(INTERVIEWER + ":" + INTERVIEWER_PASSWORD)).getStatus())
        .isIn(200, 429);
  }

  @Test
  void noOtherSiteCanFrameThePortalToStealAClick() throws Exception {
    for (String path : List.of("/login", "/interviews", "/api/v1/interviews")) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(p.uri(path))
                  .header("Accept", "text/html")
                  .header("Authorization", TestAuth.basic())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.headers().firstValue("X-Frame-Options")).as(path).hasValue("DENY");
      assertThat(r.headers().firstValue("Content-Security-Policy"))
          .as(path)
          .hasValue("frame-ancestors 'none'");
      assertThat(r.headers().firstValue("X-Content-Type-Options")).as(path).hasValue("nosniff");
    }
  }

  @Test
  void afterSignInNextNeverLeadsToAnotherSite() throws Exception {
    for (String next :
        List.of("/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example")) {
      HttpResponse<String> r =
          post(
              "/login",
              "application/x-www-form-urlencoded",
              "email="
                  + enc(INTERVIEWER)
                  + "&password="
                  + enc(INTERVIEWER_PASSWORD)
                  + "&next="
                  + enc(next),
              null);
      assertThat(r.statusCode()).as(next).isEqualTo(303);
      assertThat(r.headers().firstValue("Location").orElseThrow())
          .as(next)
          .isEqualTo("/interviews");
    }
    HttpResponse<String> page =
        HTTP.send(
            HttpRequest.newBuilder(p.uri("/login?next=" + enc("/\t/evil.example")))
                .header("Accept", "text/html")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.body()).doesNotContain("evil.example");
  }

  @Test
  void beforeTheInterviewIsActiveTheCandidateCanNeitherSignInNorReachTheWorkspace()
      throws Exception {
    // given an interview that starts tomorrow: its workspace does not exist yet
    JsonNode interview = schedule("IWA Early Candidate", TestAuth.basic());
    String id = interview.get("id").asText();
    String password = interview.get("password").asText();

    // when the candidate opens their URL, signs in with the right password, or calls the IDE
    ContentResponse page = p.workspaceGet(id, "/", null);
    ContentResponse login = p.workspaceLogin(id, password);
    ContentResponse ide = p.workspaceGet(id, "/healthz", null);

    // then they see that it is being prepared, and get no login
    assertThat(page.getStatus()).isEqualTo(200);
    assertThat(page.getContentAsString()).contains("being prepared").doesNotContain("<form");
    assertThat(login.getStatus()).isEqualTo(503);
    assertThat(login.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();
    assertThat(ide.getContentAsString()).contains("being prepared");
    assertThat(p.status(id)).isEqualTo("scheduled");
  }

  @Test
  @Tag("slow")
  @ResourceLock(TestLocks.LOCAL_WORKSPACES)
  void whileTheWorkspaceIsSetUpTheCandidateIsKeptOutUntilItIsActive() throws Exception {
    // given an interview starting now: a real code-server is provisioned and configured
    JsonNode interview =
        p.json(
            p.send(
                "POST",
                "/api/v1/interviews",
                TestPrequel.JSON.writeValueAsString(
                    Map.of(
                        "candidateName",
                        "IWA Eager Candidate",
                        "challengeId",
                        "sql-sales-report",
                        "durationMinutes",
                        30))));
    String id = interview.get("id").asText();
    String password = interview.get("password").asText();
    try {
      // when the candidate keeps trying to sign in while it is set up
      int keptOut = 0;
      while (true) {
        ContentResponse login = p.workspaceLogin(id, password);
        ContentResponse page = p.workspaceGet(id, "/", null);
        // Read after both requests: while it is still not active, both were answered before.
        String statusAfter = p.status(id);
        if (statusAfter.equals("active")) {
          break;
        }
        // then every attempt answered before the interview was active was refused
        assertThat(statusAfter).isIn("initializing", "configuring");
        assertThat(login.getStatus()).as("sign-in while " + statusAfter).isEqualTo(503);
        assertThat(login.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();
        assertThat(page.getContentAsString()).contains("being prepared");
        keptOut++;
      }
      assertThat(keptOut).as("attempts made before it was active").isPositive();
      // and once it is active the same password opens the workspace
      ContentResponse opened = p.workspaceGet(id, "/healthz", p.workspaceCookie(id, password));
      assertThat(opened.getStatus()).isEqualTo(200);
    } finally {
      p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    }
  }

  @Test
  void anInterviewerCannotDeleteAnEndedInterviewsArchive() throws Exception {
    String auth = TestAuth.basic(INTERVIEWER, INTERVIEWER_PASSWORD);
    String id = schedule("IWA Ended Candidate", auth).get("id").asText();
    assertThat(p.send("POST", "/api/v1/interviews/" + id + "/destroy", null).statusCode())
        .isEqualTo(202);

    HttpResponse<String> delete =
        TestPrequel.send("DELETE", p.uri("/api/v1/interviews/" + id), null, auth);
    HttpResponse<String> discard =
        TestPrequel.send(
            "POST", p.uri("/api/v1/interviews/" + id + "/discard-unarchived"), null, auth);

    assertThat(delete.statusCode()).isEqualTo(403);
    assertThat(delete.body()).contains("only admins");
    assertThat(discard.statusCode()).isEqualTo(403);
    assertThat(p.get("/api/v1/interviews/" + id).statusCode()).as("still there").isEqualTo(200);
  }

  // ---- helpers

  private static org.eclipse.jetty.client.HttpClient client(String from) throws Exception {
    org.eclipse.jetty.client.HttpClient c = new org.eclipse.jetty.client.HttpClient();
    c.setBindAddress(new InetSocketAddress(from, 0));
    c.setFollowRedirects(false);
    c.start();
    // The sign-in page answers a wrong password with 401 and the form, as browsers expect; Jetty's
    // client would otherwise insist on a challenge header.
    c.getProtocolHandlers().remove(org.eclipse.jetty.client.WWWAuthenticationProtocolHandler.NAME);
    return c;
  }

  private static ContentResponse signIn(
      org.eclipse.jetty.client.HttpClient from, String email, String password) throws Exception {
    return from.newRequest(p.uri("/login"))
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.ACCEPT, "text/html"))
        .body(
            new StringRequestContent(
                "application/x-www-form-urlencoded",
                "email=" + enc(email) + "&password=" + enc(password)))
        .timeout(30, TimeUnit.SECONDS)
        .send();
  }

  private static ContentResponse me(org.eclipse.jetty.client.HttpClient from, String auth)
      throws Exception {
    return from.newRequest(p.uri("/api/v1/me"))
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, auth))
        .timeout(30, TimeUnit.SECONDS)
        .send();
  }

  private static HttpResponse<String> post(String path, String type, String body, String auth)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(p.uri(path))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> users() throws Exception {
    List<String> emails = new java.util.ArrayList<>();
    p.json(p.get("/api/v1/users")).forEach(u -> emails.add(u.get("email").asText()));
    return emails;
  }

  private static JsonNode schedule(String name, String auth) throws Exception {
    HttpResponse<String> r =
        TestPrequel.send(
            "POST",
            URI.create(p.uri("/api/v1/interviews").toString()),
            TestPrequel.JSON.writeValueAsString(
                Map.of(
                    "candidateName",
                    name,
                    "challengeId",
                    "sql-sales-report",
                    "durationMinutes",
                    60,
                    "scheduledAt",
                    Instant.now().plus(Duration.ofDays(1)).toString())),
            auth);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return TestPrequel.JSON.readTree(r.body());
  }

  private static String enc(String s) {
    return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return java.util.Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
