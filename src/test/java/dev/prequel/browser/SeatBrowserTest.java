package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.eclipse.jetty.client.ContentResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The interviewer's live seat (issue 17, 3) with a real sandboxed workspace and Chromium: the
 * candidate's change reaches the seat, with its diff, within 5 s; the candidate's IDE never
 * notices; only signed-in interviewers and admins get in.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class SeatBrowserTest {

  private static final String INTERVIEWER = "st-grace@prequel.test";
  private static final String INTERVIEWER_PASSWORD = "st-interviewer-password-42";
  private static final String ANSWER = "answers/1_revenue_by_month.sql";

  @TempDir static Path data;
  static TestPrequel p;
  static Browser browser;
  static String id;
  static String password;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
    browser = new Browser();
    var created =
        p.send(
            "POST",
            "/api/v1/users",
            TestPrequel.JSON.writeValueAsString(
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
    id = p.create("sql-sales-report", 30).get("id").asText();
    Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> p.status(id).equals("active"));
    password = p.json(p.get("/api/v1/interviews/" + id)).get("password").asText();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    p.close();
  }

  @Test
  void aCandidatesChangeAndItsDiffReachTheSeatWithinFiveSecondsAndTheIdeNeverNotices()
      throws Exception {
    // Given the candidate in the IDE, with the workbench loaded
    BrowserContext candidate = browser.newContext();
    Page ide = candidate.newPage();
    Browser.signInAsCandidate(ide, "http://" + id + ".localhost:" + p.port() + "/", password);
    assertThat(ide.locator(".monaco-workbench"))
        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(90_000));
    ide.evaluate("window.__beforeTheSeat = 'still here'");

    // and an interviewer at the seat, with the answer file opened
    BrowserContext interviewer = browser.newContext();
    Page seat = interviewer.newPage();
    Browser.signIn(
        seat, p.uri("/interviews/" + id + "/seat").toString(), INTERVIEWER, INTERVIEWER_PASSWORD);
    // (followed by its address: a click could land while a live update swaps the list, and CI
    // once lost one that way)
    String opens =
        seat.locator(".seat-files a", new Page.LocatorOptions().setHasText(ANSWER))
            .getAttribute("href");
    seat.navigate(p.uri(opens).toString());
    assertThat(seat.locator("[data-testid=seat-opened-path]")).hasText(ANSWER);
    // (setup's shop.db and other tests' files may already show: the diff is against the
    // challenge's own files)
    assertThat(seat.locator("[data-testid=seat-diff]")).not().containsText("modify " + ANSWER);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> health().get("seatsWatched").asInt() == 1);

    // When the candidate changes that file, as their terminal would (the workspace's own user,
    // in its sandbox)
    candidateRuns("printf 'SELECT 42 AS seat_probe;\\n' >> /workspace/" + ANSWER);

    // Then within 5 s the seat shows the new line in the file and in the diff against the start
    LocatorAssertions.ContainsTextOptions fiveSeconds =
        new LocatorAssertions.ContainsTextOptions().setTimeout(5_000);
    assertThat(seat.locator("[data-testid=seat-file]"))
        .containsText("SELECT 42 AS seat_probe;", fiveSeconds);
    Locator diff = seat.locator("[data-testid=seat-diff]");
    assertThat(diff).containsText("modify " + ANSWER);
    assertThat(
            diff.locator(".add")
                .filter(new Locator.FilterOptions().setHasText("+SELECT 42 AS seat_probe;")))
        .hasCount(1);
    assertThat(seat.locator("li.seat-modified")).containsText(ANSWER);

    // and a file the candidate adds, and one they delete, show as such
    candidateRuns("echo 'notes' > /workspace/scratch.txt && rm /workspace/check.py");
    // (other tests' files and setup's shop.db are listed beside them)
    assertThat(
            seat.locator("li.seat-added")
                .filter(new Locator.FilterOptions().setHasText("scratch.txt")))
        .hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(5_000));
    assertThat(
            seat.locator("li.seat-deleted")
                .filter(new Locator.FilterOptions().setHasText("check.py")))
        .hasCount(1);
    assertThat(diff).containsText("delete check.py");

    // When the candidate runs commands in the IDE's own terminal, one typed after a space
    Locator terminal = Browser.openTerminal(ide);
    assertThat(Browser.terminalRows(ide))
        .containsText("$", new LocatorAssertions.ContainsTextOptions().setTimeout(30_000));
    terminal.focus();
    ide.keyboard().type("echo st-seat-terminal-probe\n");
    ide.keyboard().type(" echo st-private-probe\n");
    ide.keyboard().type("sqlite3 shop.db .tables\n");
    // (the five seconds count from when the last command has ended: a busy machine may take a
    // while to run it, and the seat shows a command only once it ends)
    assertThat(Browser.terminalRows(ide))
        .containsText(
            "order_items", new LocatorAssertions.ContainsTextOptions().setTimeout(30_000));

    // Then within 5 s the seat lists the two others with their times, and says whose shell it is
    Locator commands = seat.locator("[data-testid=seat-commands]");
    assertThat(commands)
        .containsText(
            "sqlite3 shop.db .tables",
            new LocatorAssertions.ContainsTextOptions().setTimeout(5_000));
    assertThat(commands).containsText("echo st-seat-terminal-probe");
    assertThat(commands).not().containsText("st-private-probe");
    assertThat(commands.locator("li time")).not().hasCount(0);
    assertThat(seat.locator("[data-testid=seat-commands-note]"))
        .containsText("they can turn this off");
    Browser.screenshot(seat, "seat");

    // and the candidate's IDE was never reloaded nor disconnected
    assertThat(ide.evaluate("window.__beforeTheSeat")).isEqualTo("still here");
    assertThat(ide.locator(".monaco-workbench")).isVisible();
    assertThat(ide.locator(".monaco-dialog-box")).hasCount(0);

    // When the interviewer leaves, the workspace is no longer looked at
    interviewer.close();
    Awaitility.await()
        .atMost(Duration.ofSeconds(45))
        .until(() -> health().get("seatsWatched").asInt() == 0);
    candidate.close();
  }

  @Test
  void aLiveUpdateThatArrivesMidClickWaitsForTheClickWhichOpensTheFile() throws Exception {
    // Given an interviewer at the seat, pressing on a file in the list
    BrowserContext interviewer = browser.newContext();
    Page seat = interviewer.newPage();
    Browser.signIn(
        seat, p.uri("/interviews/" + id + "/seat").toString(), INTERVIEWER, INTERVIEWER_PASSWORD);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> health().get("seatsWatched").asInt() == 1);
    seat.locator(".seat-files a", new Page.LocatorOptions().setHasText("README.md")).hover();
    seat.mouse().down();

    // When the candidate adds a file, and the seat's live update arrives before the release
    candidateRuns("echo click > /workspace/st-mid-click.txt");
    assertThat(seat.locator("[data-seat]"))
        .hasAttribute(
            "data-update-held", "", new LocatorAssertions.HasAttributeOptions().setTimeout(10_000));
    seat.mouse().up();

    // Then the click opened the file, and the update shows once it has
    assertThat(seat.locator("[data-testid=seat-opened-path]")).hasText("README.md");
    assertThat(seat.locator(".seat-files")).containsText("st-mid-click.txt");
    assertThat(seat.locator("[data-testid=seat-opened-path]")).hasText("README.md"); // still
    interviewer.close();
  }

  @Test
  void onlySignedInInterviewersAndAdminsReachTheSeatAndTheCandidatesCookieIsRefused()
      throws Exception {
    String page = "/interviews/" + id + "/seat";
    String api = "/api/v1/interviews/" + id + "/seat";
    String events = "/interviews/" + id + "/seat/events";

    // An admin and an interviewer read it through the API
    assertThat(as(api, TestAuth.basic()).statusCode()).isEqualTo(200);
    HttpResponse<String> asInterviewer = as(api, TestAuth.basic(INTERVIEWER, INTERVIEWER_PASSWORD));
    assertThat(asInterviewer.statusCode()).isEqualTo(200);
    assertThat(p.json(asInterviewer).get("files").findValuesAsText("path")).contains("README.md");

    // Nobody signed in, or the candidate with their workspace cookie, gets nothing on the portal
    String cookie = p.workspaceCookie(id, password);
    for (String auth : new String[] {null, "cookie:" + cookie}) {
      assertThat(as(page, auth).statusCode()).as("page, %s", auth).isEqualTo(303);
      assertThat(as(page + "/view", auth).statusCode()).as("fragment, %s", auth).isEqualTo(303);
      assertThat(as(api, auth).statusCode()).as("api, %s", auth).isEqualTo(401);
      assertThat(as(events, auth).statusCode()).as("events, %s", auth).isIn(303, 401);
    }
    // and on the workspace's own host, the seat's path is the workspace's, never the seat
    ContentResponse onWorkspaceHost = p.workspaceGet(id, page, cookie);
    assertThat(onWorkspaceHost.getContentAsString()).doesNotContain("Live seat", "seat-files");

    // An unknown interview's seat is a 404
    assertThat(as("/api/v1/interviews/nosuch/seat", TestAuth.basic()).statusCode()).isEqualTo(404);
    assertThat(as("/interviews/nosuch/seat/events", TestAuth.basic()).statusCode()).isEqualTo(404);
  }

  @Test
  void linksOutOfTheWorkspaceAndHostileNamesShowNothingBeyondTheCandidatesOwnFiles()
      throws Exception {
    // Given a candidate who links to the host's secrets and names a file as markup
    candidateRuns(
        "cd /workspace && ln -sf /etc/shadow st-leak && ln -sfn / st-root"
            + " && echo hi > 'st-<img src=x onerror=alert(1)>.txt'");

    // When an interviewer looks at the seat
    var api = p.json(as("/api/v1/interviews/" + id + "/seat?file=st-leak", TestAuth.basic()));
    String page = as("/interviews/" + id + "/seat", TestAuth.basic()).body();

    // Then the links are neither listed nor followed, and the name is shown as text
    assertThat(api.get("files").findValuesAsText("path"))
        .contains("st-<img src=x onerror=alert(1)>.txt")
        .noneMatch(path -> path.startsWith("st-leak") || path.startsWith("st-root"));
    assertThat(api.get("opened").get("text").isNull()).isTrue();
    assertThat(page).contains("st-&lt;img src=x onerror=alert(1)&gt;.txt").doesNotContain("<img");
  }

  private static void candidateRuns(String script) throws Exception {
    Process shell =
        CandidateShell.exec((LocalRuntime) p.runtime(), id, List.of("/bin/bash", "-c", script));
    String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(shell.exitValue()).as(output).isZero();
  }

  private static com.fasterxml.jackson.databind.JsonNode health() throws Exception {
    return p.json(as("/healthz", null));
  }

  /** A GET with Basic credentials, a cookie ("cookie:…"), or nothing; redirects not followed. */
  private static HttpResponse<String> as(String path, String auth) throws Exception {
    var request =
        java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path))
            .timeout(Duration.ofSeconds(10))
            .header("Accept", path.startsWith("/api/") ? "application/json" : "text/html");
    if (auth != null && auth.startsWith("cookie:")) {
      request.header("Cookie", auth.substring("cookie:".length()));
    } else if (auth != null) {
      request.header("Authorization", auth);
    }
    return java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
        .build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
