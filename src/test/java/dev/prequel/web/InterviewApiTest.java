package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.EventStream;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The HTTP API against a real Prequel with real code-server workspaces. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class InterviewApiTest {

  @TempDir static Path data;
  static TestPrequel p;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
  }

  @AfterAll
  static void stop() throws Exception {
    p.close();
  }

  @Test
  void anInterviewComesUpBehindItsPasswordAndIsGoneAfterDestroy() throws Exception {
    try (EventStream sse = new EventStream(p.uri("/api/v1/events"))) {
      await().atMost(Duration.ofSeconds(5)).until(sse::connected);

      long begin = System.nanoTime();
      JsonNode created = p.create("sql-sales-report", 60);
      String id = created.get("id").asText();
      String password = created.get("password").asText();
      assertThat(created.get("status").asText()).isEqualTo("initializing");
      assertThat(created.get("accessUrl").asText())
          .isEqualTo("http://" + id + ".localhost:" + p.port() + "/");
      assertThat(
              Duration.between(
                  Instant.parse(created.get("createdAt").asText()),
                  Instant.parse(created.get("expiresAt").asText())))
          .isEqualTo(Duration.ofMinutes(60));

      await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("active"));
      System.out.printf(
          "[measure] create -> active: %d ms%n", (System.nanoTime() - begin) / 1_000_000);

      // The candidate's view, through Prequel's proxy on the workspace's own host name.
      ContentResponse login = p.workspaceGet(id, "/", null);
      assertThat(login.getStatus()).isEqualTo(302);
      assertThat(login.getHeaders().get(HttpHeader.LOCATION)).contains("login");
      ContentResponse page = p.workspaceGet(id, "/login", null);
      assertThat(page.getStatus()).isEqualTo(200);
      assertThat(page.getContentAsString()).contains("type=\"password\"", "name=\"password\"");

      ContentResponse wrong = p.workspaceLogin(id, "not-" + password);
      assertThat(wrong.getStatus()).isEqualTo(401);
      assertThat(wrong.getContentAsString()).contains("Wrong password");
      assertThat(wrong.getHeaders().getValuesList(HttpHeader.SET_COOKIE)).isEmpty();

      ContentResponse right = p.workspaceLogin(id, password);
      assertThat(right.getStatus()).isEqualTo(302);
      String session = TestPrequel.workspaceCookieOf(right);
      ContentResponse opened = p.workspaceGet(id, "/", session);
      assertThat(opened.getStatus()).as("code-server opens the workspace folder").isEqualTo(302);
      assertThat(opened.getHeaders().get(HttpHeader.LOCATION)).contains("folder=");
      ContentResponse workbench =
          p.workspaceGet(
              id,
              "/"
                  + opened
                      .getHeaders()
                      .get(HttpHeader.LOCATION)
                      .replaceFirst("^\\./", "")
                      .replaceFirst("^/", ""),
              session);
      assertThat(workbench.getStatus()).isEqualTo(200);
      assertThat(workbench.getContentAsString()).contains("vscode");

      HttpResponse<String> destroy = p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
      assertThat(destroy.statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(30)).until(() -> p.status(id).equals("destroyed"));

      ContentResponse gone = p.workspaceGet(id, "/", session);
      assertThat(gone.getStatus()).isEqualTo(404);
      assertThat(gone.getContentAsString()).containsIgnoringCase("no interview workspace");
      assertThat(p.runtime().find(id)).isEmpty();

      await().atMost(Duration.ofSeconds(5)).until(() -> sse.statusesOf(id).contains("destroyed"));
      assertThat(sse.statusesOf(id))
          .containsExactly("initializing", "configuring", "active", "destroying", "destroyed");

      HttpResponse<String> log = p.get("/api/v1/interviews/" + id + "/log");
      assertThat(log.body()).contains("configuring → active").doesNotContain(password);
    }
  }

  @Test
  void badInputIsRefusedWithAMessageThatSaysWhatIsWrong() throws Exception {
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Ada\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":20}"),
        400,
        "between 30 and 240");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Ada\",\"challengeId\":\"nope\",\"durationMinutes\":60}"),
        400,
        "unknown challenge 'nope'");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Ada\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":60,"
                + "\"scheduledAt\":\"2001-01-01T10:00:00Z\"}"),
        400,
        "in the past");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":60}"),
        400,
        "candidateName is required");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\""
                + "x".repeat(101)
                + "\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":60}"),
        400,
        "longer than 100");
    assertProblem(
        p.send("POST", "/api/v1/interviews", "{\"candidateName\": \"Ada\","),
        400,
        "malformed JSON");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Ada\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":\"long\"}"),
        400,
        "durationMinutes");
    assertProblem(
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Ada\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":60,\"scheduledAt\":\"tomorrow\"}"),
        400,
        "scheduledAt");
    assertProblem(
        p.get("/api/v1/interviews/doesnotexist"), 404, "no interview with id 'doesnotexist'");
    assertProblem(
        p.send("POST", "/api/v1/interviews/doesnotexist/destroy", null), 404, "doesnotexist");
    assertProblem(p.get("/api/v1/interviews?status=running"), 400, "unknown status 'running'");
    assertProblem(p.get("/api/v1/nothing-here"), 404, "no API endpoint");

    assertThat(p.json(p.get("/api/v1/interviews")).findValues("candidateName"))
        .noneMatch(n -> n.asText().equals("Ada"));
  }

  @Test
  void anEndedInterviewRefusesChangesWithAConflict() throws Exception {
    JsonNode created = p.create("sql-sales-report", 30);
    String id = created.get("id").asText();
    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("destroyed"));

    assertProblem(p.send("POST", "/api/v1/interviews/" + id + "/destroy", null), 409, "has ended");
    assertProblem(
        p.send("PATCH", "/api/v1/interviews/" + id, "{\"expiresAt\":\"2099-01-01T00:00:00Z\"}"),
        409,
        "destroyed");
  }

  @Test
  void scheduledInterviewsWaitCanBeExtendedAndCancelled() throws Exception {
    Instant start =
        Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    HttpResponse<String> r =
        p.send(
            "POST",
            "/api/v1/interviews",
            "{\"candidateName\":\"Grace\",\"challengeId\":"
                + "\"python-pandas-cleaning\",\"durationMinutes\":90,\"scheduledAt\":\""
                + start
                + "\"}");
    assertThat(r.statusCode()).isEqualTo(201);
    JsonNode created = p.json(r);
    String id = created.get("id").asText();
    assertThat(created.get("status").asText()).isEqualTo("scheduled");
    assertThat(created.get("scheduledAt").asText()).isEqualTo(start.toString());

    HttpResponse<String> extended =
        p.send(
            "PATCH",
            "/api/v1/interviews/" + id,
            "{\"expiresAt\":\"" + start.plus(Duration.ofHours(2)) + "\"}");
    assertThat(extended.statusCode()).isEqualTo(200);
    assertThat(p.json(extended).get("durationMinutes").asInt()).isEqualTo(120);
    assertProblem(
        p.send(
            "PATCH",
            "/api/v1/interviews/" + id,
            "{\"expiresAt\":\"" + start.plus(Duration.ofMinutes(241)) + "\"}"),
        400,
        "at most 240 minutes");

    List<String> scheduled =
        p.json(p.get("/api/v1/interviews?status=scheduled")).findValuesAsText("id");
    assertThat(scheduled).contains(id);

    assertThat(p.send("POST", "/api/v1/interviews/" + id + "/destroy", null).statusCode())
        .isEqualTo(202);
    assertThat(p.status(id)).isEqualTo("cancelled");
    assertThat(p.json(p.get("/api/v1/interviews?status=scheduled")).findValuesAsText("id"))
        .doesNotContain(id);
  }

  @Test
  void metricsShowWhatHappened() throws Exception {
    JsonNode created = p.create("sql-sales-report", 30);
    String id = created.get("id").asText();
    await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("active"));
    p.workspaceGet(id, "/healthz", p.workspaceCookie(id, created.get("password").asText()));
    p.workspaceGet("nosuchinterview", "/", null);

    String metrics = p.get("/metrics").body();

    assertThat(metric(metrics, "prequel_create_to_active_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(metric(metrics, "prequel_interviews{status=\"active\"}")).isGreaterThanOrEqualTo(1);
    assertThat(metric(metrics, "prequel_proxy_requests_total")).isGreaterThanOrEqualTo(2);
    assertThat(metric(metrics, "prequel_proxy_errors_total")).isGreaterThanOrEqualTo(1);
    assertThat(metric(metrics, "prequel_workspaces_memory_bytes")).isGreaterThan(10_000_000);
    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
  }

  /** The value of the first sample whose name (and labels) start with {@code prefix}. */
  private static double metric(String exposition, String prefix) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + prefix));
  }

  @Test
  void challengesAreListedWithTitleAndDescription() throws Exception {
    JsonNode list = p.json(p.get("/api/v1/challenges"));
    assertThat(list.findValuesAsText("id"))
        .contains("react-searchable-list", "python-pandas-cleaning", "sql-sales-report");
    assertThat(list.findValuesAsText("title")).allMatch(t -> !t.isBlank());
    assertThat(p.get("/healthz").statusCode()).isEqualTo(200);
  }

  private static void assertProblem(HttpResponse<String> r, int status, String messagePart)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(c -> assertThat(c).contains("json"));
    JsonNode body = TestPrequel.JSON.readTree(r.body());
    assertThat(body.get("error").asText()).isNotBlank();
    assertThat(body.get("message").asText()).contains(messagePart);
  }
}
