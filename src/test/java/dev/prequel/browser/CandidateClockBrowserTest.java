package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The clock the candidate sees in the IDE's status bar (issue 17, 2). */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateClockBrowserTest {

  @TempDir static Path data;
  static TestPrequel p;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
    browser = new Browser();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    p.close();
  }

  @Test
  void theStatusBarShowsTheTimeLeftFollowsAChangedEndAndWarnsAtTenAndTwoMinutes() throws Exception {
    // Given an active 30-minute interview and its candidate in the IDE
    String id = p.create("sql-sales-report", 30).get("id").asText();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> p.status(id).equals("active"));
    String password = p.json(p.get("/api/v1/interviews/" + id)).get("password").asText();
    BrowserContext candidate = browser.newContext();
    Page ide = candidate.newPage();
    ide.navigate("http://" + id + ".localhost:" + p.port() + "/");
    ide.locator("input[type=password]").fill(password);
    ide.locator("input[type=password]").press("Enter");

    // Then the status bar shows the time left
    Locator clock = ide.locator(".statusbar-item", new Page.LocatorOptions().setHasText(" left"));
    assertThat(clock)
        .hasText(
            Pattern.compile("(29|30):\\d\\d left"),
            new LocatorAssertions.HasTextOptions().setTimeout(90_000));
    Browser.screenshot(ide, "candidate-clock");

    // When the interviewer extends it by an hour, the clock follows within a few seconds
    Instant end =
        Instant.parse(p.json(p.get("/api/v1/interviews/" + id)).get("expiresAt").asText());
    extendTo(id, end.plus(Duration.ofHours(1)));
    assertThat(clock)
        .hasText(
            Pattern.compile("1:(29|30):\\d\\d left"),
            new LocatorAssertions.HasTextOptions().setTimeout(5_000));

    // and an end 9 minutes away brings the 10-minute warning, 100 s away the 2-minute one
    Locator toasts = ide.locator(".notifications-toasts");
    extendTo(id, Instant.now().plus(Duration.ofMinutes(9)));
    assertThat(toasts)
        .containsText(
            "10 minutes left", new LocatorAssertions.ContainsTextOptions().setTimeout(5_000));
    assertThat(clock).hasText(Pattern.compile("0[89]:\\d\\d left"));
    extendTo(id, Instant.now().plus(Duration.ofSeconds(100)));
    assertThat(toasts)
        .containsText(
            "2 minutes left", new LocatorAssertions.ContainsTextOptions().setTimeout(5_000));
    Browser.screenshot(ide, "candidate-clock-warning");

    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    candidate.close();
  }

  private static void extendTo(String id, Instant end) throws Exception {
    var r = p.send("PATCH", "/api/v1/interviews/" + id, "{\"expiresAt\":\"" + end + "\"}");
    org.assertj.core.api.Assertions.assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
  }
}
