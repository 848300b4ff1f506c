package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** A take-home from the interviewer's form to the candidate's Start and Submit (issue 17, 1). */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class TakeHomeBrowserTest {

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
  void candidateStartsTheTakeHomeWhenReadyCodesAndSubmitsEarly() throws Exception {
    // Given a take-home the interviewer created in the portal
    BrowserContext interviewer = browser.newContext();
    Page portal = interviewer.newPage();
    portal.onDialog(dialog -> dialog.accept());
    Browser.signIn(portal, "http://localhost:" + p.port() + "/take-homes");
    portal.getByLabel("Candidate name").fill("Ada Lovelace");
    portal.getByLabel("Challenge").selectOption("sql-sales-report");
    portal.getByLabel("Time to complete").selectOption("90");
    portal.getByLabel("Start within").selectOption("3");
    portal
        .getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create take-home"))
        .click();
    Locator row = portal.locator("tr.takehome", new Page.LocatorOptions().setHasText("Ada"));
    assertThat(row.getByTestId("status")).hasText("invited");
    String accessUrl = row.getByTestId("access-url").textContent().strip();
    String password = row.getByTestId("password").textContent().strip();
    String id = row.getAttribute("data-id");
    assertThat(p.runtime().find(id)).isEmpty();

    // When the candidate opens the link: the start page, and still no workspace
    BrowserContext candidate = browser.newContext();
    Page page = candidate.newPage();
    page.navigate(accessUrl);
    assertThat(page.locator("h1")).containsText("SQL");
    assertThat(page.getByTestId("duration")).hasText("1 h 30 min");
    assertThat(page.getByTestId("window-end")).containsText("UTC");
    Browser.screenshot(page, "takehome-start-page");
    assertThat(p.runtime().find(id)).isEmpty();

    // a wrong password starts nothing
    page.locator("input[type=password]").fill("not-" + password);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Start")).click();
    assertThat(page.getByRole(AriaRole.ALERT)).containsText("Wrong password");
    assertThat(p.status(id)).isEqualTo("invited");

    // the right one starts the clock and opens the IDE once it is ready, without signing in again
    page.locator("input[type=password]").fill(password);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Start")).click();
    assertThat(p.status(id)).isIn("initializing", "configuring", "active");
    assertThat(page.locator(".explorer-folders-view").getByText("shop.sql"))
        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(90_000));
    var started = p.json(p.get("/api/v1/take-homes/" + id));
    assertThat(started.get("startedAt").isNull()).isFalse();
    assertThat(
            Duration.between(
                java.time.Instant.parse(started.get("startedAt").asText()),
                java.time.Instant.parse(started.get("interview").get("expiresAt").asText())))
        .isEqualTo(Duration.ofMinutes(90));

    // Then Submit ends it early
    Page submit = candidate.newPage();
    submit.navigate(accessUrl + "_prequel/submit");
    submit
        .getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Submit my work"))
        .click();
    assertThat(submit.getByRole(AriaRole.STATUS)).containsText("submitted");
    Browser.screenshot(submit, "takehome-submitted");
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("destroyed"));
    assertThat(p.json(p.get("/api/v1/take-homes/" + id)).get("submittedAt").isNull()).isFalse();
    portal.navigate("http://localhost:" + p.port() + "/take-homes");
    assertThat(row.getByTestId("status")).hasText("destroyed");
    assertThat(row.getByTestId("submitted")).containsText("submitted");
    candidate.close();
    interviewer.close();
  }
}
