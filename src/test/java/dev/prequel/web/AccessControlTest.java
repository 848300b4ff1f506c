package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestPrequel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may do what: the authorisation matrix (anonymous, interviewer, admin × every API operation
 * and every portal page), sessions and their cookie, CSRF, API tokens, the audit log.
 */
class AccessControlTest {

  @TempDir static Path data;
  static TestPrequel p;
  static String interviewerAuth;
  static String interviewId;

  static final String INTERVIEWER = "grace@prequel.test";
  static final String INTERVIEWER_PASSWORD = "interviewer-password-42";

  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
    HttpResponse<String> created =
        p.send(
            "POST",
            "/api/v1/users",
            json(
                Map.of(
                    "email",
                    INTERVIEWER,
                    "name",
                    "Grace",
                    "role",
                    "interviewer",
                    "password",
                    INTERVIEWER_PASSWORD)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    interviewerAuth = TestAuth.basic(INTERVIEWER, INTERVIEWER_PASSWORD);
    interviewId = scheduleInterview("<img src=x onerror=alert(1)>", TestAuth.basic());
  }

  @AfterAll
  static void stop() {
    p.close();
  }

  /** One request of the matrix; {@code {id}} stands for an existing interview. */
  record Call(String method, String path, String body, boolean adminOnly, boolean page) {}

  /**
   * Every API operation and portal page. Unsafe calls name things that do not exist or carry
   * invalid bodies, so that passing the gate shows as 400/404/409, never as a change.
   */
  static List<Call> everything() {
    List<Call> calls = new ArrayList<>();
    for (String path :
        List.of(
            "/metrics",
            "/api/v1/openapi.yaml",
            "/api/v1/me",
            "/api/v1/interviews",
            "/api/v1/interviews/{id}",
            "/api/v1/interviews/{id}/log",
            "/api/v1/interviews/{id}/snapshots",
            "/api/v1/interviews/nosuch/files.zip",
            "/api/v1/interviews/nosuch/diff",
            "/api/v1/challenges",
            "/api/v1/challenge-problems",
            "/api/v1/challenges/sql-sales-report",
            "/api/v1/challenges/sql-sales-report/files",
            "/api/v1/challenges/nosuch/download",
            "/api/v1/tokens")) {
      calls.add(new Call("GET", path, null, false, false));
    }
    calls.add(new Call("GET", "/api/v1/take-homes", null, false, false));
    calls.add(new Call("POST", "/api/v1/take-homes", "{}", false, false));
    calls.add(new Call("GET", "/api/v1/interviews/{id}/notes", null, false, false));
    calls.add(new Call("GET", "/api/v1/interviews/{id}/scorecard", null, false, false));
    calls.add(new Call("PUT", "/api/v1/interviews/nosuch/notes", "{}", false, false));
    calls.add(new Call("GET", "/api/v1/interviews/{id}/secrets", null, false, false));
    calls.add(new Call("PUT", "/api/v1/interviews/nosuch/secrets", "{}", false, false));
    calls.add(new Call("GET", "/api/v1/webhooks", null, true, false));
    calls.add(new Call("POST", "/api/v1/webhooks", "{}", true, false));
    calls.add(new Call("DELETE", "/api/v1/webhooks/nosuch", null, true, false));
    calls.add(new Call("GET", "/api/v1/users", null, true, false));
    calls.add(new Call("GET", "/api/v1/audit", null, true, false));
    calls.add(new Call("POST", "/api/v1/interviews", "{}", false, false));
    calls.add(new Call("PATCH", "/api/v1/interviews/nosuch", "{}", false, false));
    calls.add(new Call("DELETE", "/api/v1/interviews/nosuch", null, true, false));
    calls.add(new Call("POST", "/api/v1/interviews/nosuch/destroy", null, false, false));
    calls.add(new Call("POST", "/api/v1/interviews/nosuch/discard-unarchived", null, true, false));
    calls.add(new Call("POST", "/api/v1/challenges", null, false, false));
    calls.add(new Call("DELETE", "/api/v1/challenges/nosuch", null, false, false));
    calls.add(new Call("POST", "/api/v1/tokens", "{}", false, false));
    calls.add(new Call("DELETE", "/api/v1/tokens/nosuch", null, false, false));
    calls.add(new Call("POST", "/api/v1/users", "{}", true, false));
    calls.add(new Call("PATCH", "/api/v1/users/nosuch", "{}", true, false));
    for (String page :
        List.of(
            "/",
            "/interviews",
            "/interviews?view=history",
            "/interviews/{id}",
            "/interviews/{id}/row",
            "/interviews/{id}/log",
            "/interviews/{id}/files",
            "/interviews/{id}/timeline",
            "/interviews/{id}/review",
            "/take-homes",
            "/challenges",
            "/challenges/sql-sales-report",
            "/challenges/sql-sales-report/download",
            "/account")) {
      calls.add(new Call("GET", page, null, false, true));
    }
    calls.add(new Call("GET", "/admin/users", null, true, true));
    calls.add(new Call("GET", "/admin/audit", null, true, true));
    calls.add(new Call("GET", "/admin/webhooks", null, true, true));
    calls.add(new Call("POST", "/admin/webhooks/nosuch/delete", "", true, true));
    calls.add(new Call("POST", "/interviews/nosuch/delete", "", true, true));
    calls.add(new Call("POST", "/interviews/nosuch/discard-unarchived", "", true, true));
    for (String form :
        List.of(
            "/interviews/nosuch/destroy",
            "/interviews/nosuch/extend",
            "/interviews/nosuch/notes",
            "/interviews/nosuch/secrets",
            "/take-homes",
            "/challenges/nosuch/edit",
            "/challenges/nosuch/delete",
            "/account/tokens/nosuch/revoke")) {
      calls.add(new Call("POST", form, "", false, true));
    }
    calls.add(new Call("POST", "/admin/users/nosuch", "", true, true));
    return calls;
  }

  @Test
  void anonymousGetsOnlyHealthAndTheSignInPage() throws Exception {
    assertThat(call("GET", "/healthz", null, null, false).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/login", null, null, true).statusCode()).isEqualTo(200);
    for (Call c : everything()) {
      HttpResponse<String> r = call(c.method(), path(c), c.body(), null, c.page());
      if (c.page() && c.method().equals("GET")) {
        assertThat(r.statusCode()).as(c.toString()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location").orElseThrow())
            .as(c.toString())
            .startsWith("/login?next=");
      } else {
        assertThat(r.statusCode()).as(c + " " + r.body()).isEqualTo(401);
        if (!c.page()) {
          assertThat(r.body()).contains("\"error\":\"unauthorized\"");
        }
      }
    }
  }

  @Test
  void interviewersUseEverythingButTheAdminPagesAndArchiveDeletion() throws Exception {
    Session session = signIn(INTERVIEWER, INTERVIEWER_PASSWORD);
    for (Call c : everything()) {
      HttpResponse<String> r = callAs(c, interviewerAuth, session);
      if (c.adminOnly()) {
        assertThat(r.statusCode()).as(c.toString()).isEqualTo(403);
        assertThat(r.body()).as(c.toString()).contains("only admins");
      } else {
        assertThat(r.statusCode()).as(c + " " + r.body()).isBetween(200, 499).isNotIn(401, 403);
      }
    }
  }

  @Test
  void adminsUseEverything() throws Exception {
    Session session = signIn(TestAuth.ADMIN_EMAIL, TestAuth.ADMIN_PASSWORD);
    for (Call c : everything()) {
      HttpResponse<String> r = callAs(c, TestAuth.basic(), session);
      assertThat(r.statusCode()).as(c + " " + r.body()).isBetween(200, 499).isNotIn(401, 403, 415);
    }
  }

  @Test
  void noAnswerEverAsksTheBrowserForBasicCredentials() throws Exception {
    for (Call c : everything()) {
      // (a wrong Bearer token: wrong passwords would slow this address down for other tests)
      for (String auth : java.util.Arrays.asList(null, "Bearer prq_wrong")) {
        HttpResponse<String> r = call(c.method(), path(c), c.body(), auth, c.page());
        assertThat(r.headers().allValues("WWW-Authenticate"))
            .as(c.toString())
            .noneMatch(v -> v.toLowerCase(java.util.Locale.ROOT).contains("basic"));
      }
    }
    HttpResponse<String> api = call("GET", "/api/v1/interviews", null, null, false);
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.headers().firstValue("Content-Type").orElseThrow()).contains("application/json");
  }

  @Test
  void stateChangingApiCallsWithoutJsonAreRefusedWith415AndChangeNothing() throws Exception {
    int usersBefore = TestPrequel.JSON.readTree(p.get("/api/v1/users").body()).size();
    for (Call c : everything()) {
      if (c.page() || c.method().equals("GET")) {
        continue;
      }
      for (String type :
          java.util.Arrays.asList(
              null,
              "text/plain",
              "application/x-www-form-urlencoded",
              "multipart/form-data; boundary=x",
              "application/jsonp")) {
        HttpRequest.Builder b =
            HttpRequest.newBuilder(p.uri(path(c)))
                .header("Authorization", TestAuth.basic())
                .method(
                    c.method(),
                    HttpRequest.BodyPublishers.ofString(
                        "{\"email\":\"csrf@prequel.test\",\"password\":\"csrf-password-123\"}"));
        if (type != null) {
          b.header("Content-Type", type);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(c + " as " + type).isEqualTo(415);
        assertThat(r.body())
            .contains("\"error\":\"unsupported_media_type\"")
            .containsAnyOf("Content-Type: application/json", "X-Requested-With");
      }
    }
    assertThat(TestPrequel.JSON.readTree(p.get("/api/v1/users").body())).hasSize(usersBefore);
  }

  @Test
  void onlyAdminsSeeAndUseTheButtonToDeleteAnEndedInterviewWithItsArchive() throws Exception {
    // given an ended (cancelled) interview
    String id = scheduleInterview("Ended Candidate", interviewerAuth);
    assertThat(p.send("POST", "/api/v1/interviews/" + id + "/destroy", null).statusCode())
        .isEqualTo(202);
    String files = "/interviews/" + id + "/files";
    // then the interviewer sees no delete button and is refused; the admin sees it
    assertThat(call("GET", files, null, interviewerAuth, true).body())
        .doesNotContain("Delete interview and archive");
    assertThat(call("GET", files, null, TestAuth.basic(), true).body())
        .contains("Delete interview and archive");
    HttpResponse<String> refused =
        call("DELETE", "/api/v1/interviews/" + id, null, interviewerAuth, false);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("only admins may delete");
    assertThat(p.get("/api/v1/interviews/" + id).statusCode()).isEqualTo(200);
    assertThat(p.send("DELETE", "/api/v1/interviews/" + id, null).statusCode()).isEqualTo(204);
  }

  @Test
  void portalFormsTakeASessionNeverBasicCredentials() throws Exception {
    int usersBefore = TestPrequel.JSON.readTree(p.get("/api/v1/users").body()).size();
    // a cross-site form posted with the admin's cached Basic credentials
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(p.uri("/admin/users"))
                .header("Authorization", TestAuth.basic())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "email=evil%40prequel.test&role=admin&password=evil-password-123"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("browser session");
    assertThat(TestPrequel.JSON.readTree(p.get("/api/v1/users").body())).hasSize(usersBefore);
  }

  @Test
  void wrongCredentialsAreRefusedAndNeverFallBackToAnything() throws Exception {
    for (String auth :
        List.of(
            TestAuth.basic(TestAuth.ADMIN_EMAIL, "wrong-password-123"),
            TestAuth.basic("nobody@prequel.test", TestAuth.ADMIN_PASSWORD),
            "Bearer prq_not-a-token",
            "Basic !!!",
            "Digest abc")) {
      HttpResponse<String> r = call("GET", "/api/v1/interviews", null, auth, false);
      assertThat(r.statusCode()).as(auth).isEqualTo(401);
      assertThat(r.body()).contains("\"error\":\"unauthorized\"");
    }
  }

  @Test
  void aSessionCookieIsHttpOnlyLaxHostOnlyAndEndsAtSignOut() throws Exception {
    Session s = signIn(INTERVIEWER, INTERVIEWER_PASSWORD);
    assertThat(s.setCookie())
        .contains("prequel_session=")
        .contains("HttpOnly")
        .containsIgnoringCase("SameSite=Lax")
        .contains("Path=/")
        .doesNotContainIgnoringCase("Domain=") // host-only: never sent to workspace hosts
        .doesNotContain("Secure"); // plain http here; see the https test below
    assertThat(get("/api/v1/me", s).body()).contains(INTERVIEWER);

    HttpResponse<String> out = form("/logout", "_csrf=" + s.csrf(), s);
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get("/api/v1/me", s).statusCode())
        .as("the old cookie after sign-out")
        .isEqualTo(401);
  }

  @Test
  void behindHttpsTheCookieIsSecure(@TempDir Path other) throws Exception {
    try (TestPrequel https = TestPrequel.start(other, Map.of("PREQUEL_PUBLIC_SCHEME", "https"))) {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(https.uri("/login"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "email=" + TestAuth.ADMIN_EMAIL + "&password=" + TestAuth.ADMIN_PASSWORD))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(303);
      assertThat(r.headers().firstValue("Set-Cookie").orElseThrow()).contains("Secure");
    }
  }

  @Test
  void formsWithoutTheSessionsCsrfTokenChangeNothing() throws Exception {
    Session s = signIn(INTERVIEWER, INTERVIEWER_PASSWORD);
    int before = tokens(interviewerAuth).size();

    HttpResponse<String> forged = form("/account/tokens", "name=forged", s);
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("CSRF");
    HttpResponse<String> wrong = form("/account/tokens", "name=forged&_csrf=guess", s);
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(tokens(interviewerAuth)).hasSize(before);

    HttpResponse<String> real = form("/account/tokens", "name=laptop&_csrf=" + s.csrf(), s);
    assertThat(real.statusCode()).isEqualTo(201);
    assertThat(tokens(interviewerAuth)).hasSize(before + 1);
    // htmx sends the token as a header instead
    HttpResponse<String> viaHeader =
        HTTP.send(
            HttpRequest.newBuilder(p.uri("/account/tokens"))
                .header("Cookie", s.cookie())
                .header("X-CSRF-Token", s.csrf())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name=htmx"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(viaHeader.statusCode()).isEqualTo(201);
  }

  @Test
  void aTokenIsShownOnceWorksAsBearerAndStopsWhenRevoked() throws Exception {
    HttpResponse<String> created =
        TestPrequel.send(
            "POST", p.uri("/api/v1/tokens"), json(Map.of("name", "ci")), interviewerAuth);
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = TestPrequel.JSON.readTree(created.body());
    String token = body.get("token").asText();
    String id = body.get("id").asText();
    assertThat(token).startsWith("prq_").hasSizeGreaterThan(40);

    assertThat(tokens(interviewerAuth).toString()).contains(id).doesNotContain(token);
    HttpResponse<String> me = call("GET", "/api/v1/me", null, "Bearer " + token, false);
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.body()).contains(INTERVIEWER).contains("\"role\":\"interviewer\"");
    assertThat(call("GET", "/api/v1/users", null, "Bearer " + token, false).statusCode())
        .as("a token carries its user's role")
        .isEqualTo(403);

    // another interviewer cannot see or revoke it
    p.send(
        "POST",
        "/api/v1/users",
        json(
            Map.of(
                "email",
                "alan@prequel.test",
                "password",
                "another-password-1",
                "role",
                "interviewer")));
    String alan = TestAuth.basic("alan@prequel.test", "another-password-1");
    assertThat(call("DELETE", "/api/v1/tokens/" + id, null, alan, false).statusCode())
        .isEqualTo(404);

    assertThat(call("DELETE", "/api/v1/tokens/" + id, null, interviewerAuth, false).statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/api/v1/me", null, "Bearer " + token, false).statusCode())
        .isEqualTo(401);
    assertThat(call("DELETE", "/api/v1/tokens/" + id, null, interviewerAuth, false).statusCode())
        .as("revoking twice")
        .isEqualTo(409);
  }

  @Test
  void aSignInFormPostedFromAnotherSiteOrAWorkspaceHostIsRefused() throws Exception {
    String portal = "http://127.0.0.1:" + p.port();
    for (String foreign :
        List.of("https://evil.example", "http://" + interviewId + ".localhost:" + p.port())) {
      HttpResponse<String> refused = loginFormFrom(foreign, INTERVIEWER, INTERVIEWER_PASSWORD);
      assertThat(refused.statusCode()).as(foreign).isEqualTo(403);
      assertThat(refused.headers().allValues("Set-Cookie")).as("no session").isEmpty();
      assertThat(refused.body()).contains("sent from another site");
    }

    HttpResponse<String> own = loginFormFrom(portal, INTERVIEWER, INTERVIEWER_PASSWORD);
    assertThat(own.statusCode()).as("the portal's own page").isEqualTo(303);
  }

  static HttpResponse<String> loginFormFrom(String origin, String email, String password)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", origin)
            .POST(HttpRequest.BodyPublishers.ofString("email=" + email + "&password=" + password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void repeatedWrongPasswordsSlowTheAccountDownAtThatAddressForAWhile() throws Exception {
    p.send(
        "POST",
        "/api/v1/users",
        json(Map.of("email", "target@prequel.test", "password", "target-password-12")));
    for (int i = 0; i < 5; i++) {
      assertThat(loginForm("target@prequel.test", "guess-" + i).statusCode()).isEqualTo(401);
    }
    HttpResponse<String> locked = loginForm("target@prequel.test", "target-password-12");
    assertThat(locked.statusCode())
        .as("even the right password, from the address that failed, for now")
        .isEqualTo(429);
    assertThat(locked.body()).contains("too many failed sign-ins");
    HttpResponse<String> basic =
        call(
            "GET",
            "/api/v1/me",
            null,
            TestAuth.basic("target@prequel.test", "target-password-12"),
            false);
    assertThat(basic.statusCode()).isEqualTo(429);
    assertThat(basic.body()).contains("\"error\":\"too_many_requests\"");
  }

  @Test
  void disabledUsersAreOutAndTheLastAdminStays() throws Exception {
    p.send(
        "POST",
        "/api/v1/users",
        json(Map.of("email", "leaver@prequel.test", "password", "leaver-password-12")));
    String leaver = TestAuth.basic("leaver@prequel.test", "leaver-password-12");
    assertThat(call("GET", "/api/v1/me", null, leaver, false).statusCode()).isEqualTo(200);
    String id =
        TestPrequel.JSON
            .readTree(call("GET", "/api/v1/me", null, leaver, false).body())
            .get("id")
            .asText();
    assertThat(p.send("PATCH", "/api/v1/users/" + id, "{\"disabled\":true}").statusCode())
        .isEqualTo(200);
    assertThat(call("GET", "/api/v1/me", null, leaver, false).statusCode()).isEqualTo(401);

    String adminId = TestPrequel.JSON.readTree(p.get("/api/v1/me").body()).get("id").asText();
    HttpResponse<String> demote =
        p.send("PATCH", "/api/v1/users/" + adminId, "{\"role\":\"interviewer\"}");
    assertThat(demote.statusCode()).isEqualTo(409);
    assertThat(p.get("/api/v1/me").body()).contains("\"role\":\"admin\"");
  }

  @Test
  void theAuditLogSaysWhoDidWhatAndOnlyAdminsReadIt() throws Exception {
    String id = scheduleInterview("Audited Candidate", interviewerAuth);
    String later = Instant.now().plus(Duration.ofDays(1)).plus(Duration.ofMinutes(90)).toString();
    assertThat(
            TestPrequel.send(
                    "PATCH",
                    p.uri("/api/v1/interviews/" + id),
                    json(Map.of("expiresAt", later)),
                    interviewerAuth)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            call("POST", "/api/v1/interviews/" + id + "/destroy", null, interviewerAuth, false)
                .statusCode())
        .isEqualTo(202);

    JsonNode log = TestPrequel.JSON.readTree(p.get("/api/v1/audit").body());
    List<String> mine = new ArrayList<>();
    log.forEach(
        e -> {
          if (e.get("target").asText().equals("interview " + id)) {
            mine.add(e.get("actorEmail").asText() + " " + e.get("action").asText());
          }
        });
    assertThat(mine)
        .containsExactly(
            INTERVIEWER + " interview.destroy",
            INTERVIEWER + " interview.extend",
            INTERVIEWER + " interview.create");
    assertThat(call("GET", "/api/v1/audit", null, interviewerAuth, false).statusCode())
        .isEqualTo(403);
    String page = call("GET", "/admin/audit", null, TestAuth.basic(), true).body();
    assertThat(page).contains("interview " + id).contains(INTERVIEWER);
  }

  @Test
  void aCandidateNameIsShownAsTextEverywhere() throws Exception {
    String raw = "<img src=x onerror=alert(1)>";
    String escaped = "&lt;img src=x onerror=alert(1)&gt;";
    for (String page :
        List.of(
            "/interviews",
            "/interviews/" + interviewId,
            "/interviews/" + interviewId + "/row",
            "/admin/audit")) {
      String html = call("GET", page, null, TestAuth.basic(), true).body();
      assertThat(html).as(page).contains(escaped).doesNotContain(raw);
    }
  }

  // ---- helpers

  record Session(String cookie, String setCookie, String csrf) {}

  static Session signIn(String email, String password) throws Exception {
    HttpResponse<String> r = loginForm(email, password);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    HttpResponse<String> account =
        HTTP.send(
            HttpRequest.newBuilder(p.uri("/account")).header("Cookie", cookie).build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(account.body());
    assertThat(m.find()).as("the page carries the CSRF token").isTrue();
    return new Session(cookie, setCookie, m.group(1));
  }

  static HttpResponse<String> loginForm(String email, String password) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("email=" + email + "&password=" + password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> form(String path, String body, Session s) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri(path))
            .header("Cookie", s.cookie())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path, Session s) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri(path)).header("Cookie", s.cookie()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> call(
      String method, String path, String body, String authorization, boolean page)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    if (page) {
      b.header("Accept", "text/html");
      if (body != null) {
        b.header("Content-Type", "application/x-www-form-urlencoded");
      }
    } else if (body != null || !method.equals("GET")) {
      b.header("Content-Type", "application/json"); // the API's state-changing calls need it
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A call of the matrix as a signed-in user makes it: API calls and page views with Basic
   * credentials, portal forms through the browser session with its CSRF token.
   */
  static HttpResponse<String> callAs(Call c, String basic, Session session) throws Exception {
    if (c.page() && !c.method().equals("GET")) {
      return form(path(c), "_csrf=" + session.csrf(), session);
    }
    return call(c.method(), path(c), c.body(), basic, c.page());
  }

  static List<JsonNode> tokens(String auth) throws Exception {
    List<JsonNode> list = new ArrayList<>();
    TestPrequel.JSON
        .readTree(call("GET", "/api/v1/tokens", null, auth, false).body())
        .forEach(list::add);
    return list;
  }

  static String scheduleInterview(String name, String auth) throws Exception {
    HttpResponse<String> r =
        TestPrequel.send(
            "POST",
            p.uri("/api/v1/interviews"),
            json(
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
    return TestPrequel.JSON.readTree(r.body()).get("id").asText();
  }

  private static String path(Call c) {
    return c.path().replace("{id}", interviewId);
  }

  static String json(Object o) throws Exception {
    return TestPrequel.JSON.writeValueAsString(o);
  }
}
