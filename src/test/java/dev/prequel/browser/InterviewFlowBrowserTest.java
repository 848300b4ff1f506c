package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** The interviewer's and the candidate's path through the product, in a real browser. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class InterviewFlowBrowserTest {

  @TempDir static Path data;
  static TestPrequel p;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    // With a warm pool of one: the candidate's files arrive in a code-server that started before
    // the interview existed, and must still show in its explorer.
    p = TestPrequel.start(data, java.util.Map.of("PREQUEL_POOL_SIZE", "1"));
    browser = new Browser();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(() -> p.pool().idle() == 1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.close();
    }
    p.close();
  }

  @Test
  void interviewerCreatesCandidateCodesInterviewerDestroys() {
    BrowserContext interviewer = browser.newContext();
    Page portal = openPortal(interviewer);

    // Fill the create form.
    createInterview(portal, "Ada Lovelace", "45", null);

    Locator row =
        portal.locator("tr.interview", new Page.LocatorOptions().setHasText("Ada Lovelace"));
    assertThat(row).hasCount(1);
    portal.evaluate("window.__notReloaded = true");

    // The status moves to active by itself.
    assertThat(row.getByTestId("status"))
        .hasText("active", new LocatorAssertions.HasTextOptions().setTimeout(60_000));
    assertThat((Boolean) portal.evaluate("window.__notReloaded === true"))
        .as("no page reload")
        .isTrue();
    assertThat(row.locator(".remaining")).containsText("left");
    Browser.screenshot(portal, "portal-active");

    String accessUrl = row.getByTestId("access-url").textContent().strip();
    String password = row.getByTestId("password").textContent().strip();
    assertThat(accessUrl).matches("http://[a-z2-9]{10}\\.localhost:" + p.port() + "/");

    // The candidate opens the link in a browser of their own and signs in.
    BrowserContext candidate = browser.newContext();
    Page ide = candidate.newPage();
    // A wrong password first: Prequel's login page says so, and lets the candidate try again.
    ide.navigate(accessUrl);
    ide.locator("input[type=password]").fill("not-" + password);
    ide.locator("input[type=password]").press("Enter");
    assertThat(ide.getByRole(com.microsoft.playwright.options.AriaRole.ALERT))
        .containsText("Wrong password");
    Browser.signInAsCandidate(ide, accessUrl, password);
    Locator explorer = ide.locator(".explorer-folders-view");
    assertThat(explorer.getByText("shop.sql"))
        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(60_000));
    assertThat(explorer.getByText("README.md")).isVisible();

    Browser.screenshot(ide, "candidate-workbench");
    String id = accessUrl.substring("http://".length(), accessUrl.indexOf('.'));
    org.assertj.core.api.Assertions.assertThat(p.interviews().log(id))
        .anySatisfy(l -> org.assertj.core.api.Assertions.assertThat(l.message()).contains("warm"));

    // The interviewer ends it from the portal; the row leaves the Active view.
    row.getByRole(
            com.microsoft.playwright.options.AriaRole.BUTTON,
            new Locator.GetByRoleOptions().setName("Destroy"))
        .click();
    assertThat(portal.locator("tr.interview", new Page.LocatorOptions().setHasText("Ada Lovelace")))
        .hasCount(0, new LocatorAssertions.HasCountOptions().setTimeout(30_000));

    Page history = interviewer.newPage();
    history.navigate("http://localhost:" + p.port() + "/interviews?view=history");
    assertThat(
            history
                .locator("tr.interview", new Page.LocatorOptions().setHasText("Ada Lovelace"))
                .getByTestId("status"))
        .hasText("destroyed", new LocatorAssertions.HasTextOptions().setTimeout(30_000));

    Response gone = ide.navigate(accessUrl);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(ide.content()).containsIgnoringCase("no interview workspace");

    candidate.close();
    interviewer.close();
  }

  @Test
  void whatChangedBeforeTheLiveStreamOpenedStillShows() throws Exception {
    BrowserContext interviewer = browser.newContext();
    Page portal = openPortal(interviewer);
    // The page's live stream is held back (as between a page's rendering and its connection, or
    // while the network is down) while an interview is created and turns active.
    java.util.List<com.microsoft.playwright.Route> held = new java.util.ArrayList<>();
    portal.route("**/api/v1/events", held::add);
    portal.reload();
    portal.waitForCondition(() -> !held.isEmpty());
    String id = p.create("sql-sales-report", 60).get("id").asText();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .until(() -> p.status(id).equals("active"));
    assertThat(portal.locator("#row-" + id)).hasCount(0);

    portal.unroute("**/api/v1/events");
    held.forEach(com.microsoft.playwright.Route::resume);

    // Once the stream opens, the page catches up: the new interview shows, already active.
    assertThat(portal.locator("#row-" + id).getByTestId("status"))
        .hasText("active", new LocatorAssertions.HasTextOptions().setTimeout(30_000));
    assertThat(portal.locator(".empty")).hasCount(0);
    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    interviewer.close();
  }

  @Test
  void theFilesTheChallengeNamesAreOpenWhenTheCandidateArrives() {
    BrowserContext interviewer = browser.newContext();
    Page portal = openPortal(interviewer);
    createInterview(portal, "Alan Turing", "45", null);
    Locator row =
        portal.locator("tr.interview", new Page.LocatorOptions().setHasText("Alan Turing"));
    assertThat(row.getByTestId("status"))
        .hasText("active", new LocatorAssertions.HasTextOptions().setTimeout(60_000));
    String accessUrl = row.getByTestId("access-url").textContent().strip();
    String password = row.getByTestId("password").textContent().strip();
    interviewer.close();

    BrowserContext candidate = browser.newContext();
    Page ide = candidate.newPage();
    Browser.signInAsCandidate(ide, accessUrl, password);

    // sql-sales-report's challenge.yaml says open: [README.md, answers/1_revenue_by_month.sql]
    Locator tabs = ide.locator(".tabs-container .tab");
    assertThat(tabs.filter(new Locator.FilterOptions().setHasText("1_revenue_by_month.sql")))
        .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(90_000));
    Browser.screenshot(ide, "candidate-opened-files");
    candidate.close();
  }

  @Test
  void aScheduledInterviewWaitsCanBeExtendedAndCancelled() {
    BrowserContext interviewer = browser.newContext();
    Page portal = openPortal(interviewer);

    // Tomorrow at this time, in the browser's own time zone, as the date picker would give it.
    String tomorrow =
        (String)
            portal.evaluate(
                "() => { const d = new Date(Date.now() + 86400000);"
                    + " d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
                    + " return d.toISOString().slice(0, 16); }");
    createInterview(portal, "Grace Hopper", "60", tomorrow);

    Locator row =
        portal.locator("tr.interview", new Page.LocatorOptions().setHasText("Grace Hopper"));
    assertThat(row.getByTestId("status")).hasText("scheduled");
    assertThat(row.locator(".remaining")).containsText("starts in 23h");

    row.locator("select[name=minutes]").selectOption("30");
    row.getByRole(
            com.microsoft.playwright.options.AriaRole.BUTTON,
            new Locator.GetByRoleOptions().setName("Extend"))
        .click();
    String id = row.getAttribute("data-id");
    assertThat(p.interviews().get(id).duration()).isEqualTo(java.time.Duration.ofMinutes(90));

    row.getByRole(
            com.microsoft.playwright.options.AriaRole.BUTTON,
            new Locator.GetByRoleOptions().setName("Cancel"))
        .click();
    assertThat(portal.locator("tr.interview", new Page.LocatorOptions().setHasText("Grace Hopper")))
        .hasCount(0);
    assertThat(p.interviews().get(id).status()).isEqualTo(dev.prequel.interview.Status.CANCELLED);
    interviewer.close();
  }

  @Test
  void aCandidateNameIsShownAsTextAndFormErrorsAppearNextToTheField() {
    BrowserContext interviewer = browser.newContext();
    Page portal = openPortal(interviewer);
    portal.getByLabel("Candidate name").fill(" ");
    portal.locator("input[name=candidateName]").evaluate("el => el.removeAttribute('required')");
    portal
        .getByRole(
            com.microsoft.playwright.options.AriaRole.BUTTON,
            new Page.GetByRoleOptions().setName("Create interview"))
        .click();

    assertThat(portal.locator(".field-error")).containsText("candidateName is required");
    interviewer.close();
  }

  private Page openPortal(BrowserContext interviewer) {
    Page portal = interviewer.newPage();
    portal.onDialog(dialog -> dialog.accept());
    Browser.signIn(portal, "http://localhost:" + p.port() + "/interviews");
    return portal;
  }

  /** Fills the create form as an interviewer would; {@code localStart} null means "now". */
  private static void createInterview(Page portal, String name, String minutes, String localStart) {
    portal.getByLabel("Candidate name").fill(name);
    portal.getByLabel("Challenge").selectOption("sql-sales-report");
    portal.getByLabel("Duration").selectOption(minutes);
    if (localStart != null) {
      portal.locator("input[name=scheduledAt]").fill(localStart);
    }
    portal
        .getByRole(
            com.microsoft.playwright.options.AriaRole.BUTTON,
            new Page.GetByRoleOptions().setName("Create interview"))
        .click();
  }
}
