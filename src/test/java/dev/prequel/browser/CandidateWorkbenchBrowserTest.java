package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import dev.prequel.testing.TestRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The candidate's side in a real browser, the same on every runtime: the address and password the
 * interviewer gave, Prequel's sign-in page, then VS Code with the challenge's files, reached only
 * through Prequel's proxy (HTTP and the workbench's WebSockets).
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
@ParameterizedClass(name = "on {0}")
@MethodSource("runtimes")
class CandidateWorkbenchBrowserTest {

  static Stream<TestRuntime> runtimes() {
    return Stream.of(TestRuntime.LOCAL, TestRuntime.docker("de2e-b"));
  }

  @Parameter TestRuntime runtime;
  @TempDir Path data;

  @Test
  void theCandidateSignsInWithThePasswordAndTheWorkbenchShowsTheChallengesFiles() throws Exception {
    try (TestRuntime made = runtime;
        TestPrequel p = TestPrequel.start(data, Map.of(), Clock.systemUTC(), made);
        Browser browser = new Browser()) {
      // given an active interview, its address and password as the portal shows them
      JsonNode created = p.create("sql-sales-report", 45);
      String id = created.get("id").asText();
      await().atMost(Duration.ofSeconds(90)).until(() -> p.status(id).equals("active"));
      String accessUrl = created.get("accessUrl").asText();
      String password = created.get("password").asText();

      // when the candidate opens it in their browser and signs in
      BrowserContext candidate = browser.newContext();
      Page ide = candidate.newPage();
      Browser.signInAsCandidate(ide, accessUrl, password);

      // then VS Code shows the challenge's files, and opens one from the explorer
      Locator explorer = ide.locator(".explorer-folders-view");
      assertThat(explorer.getByText("shop.sql"))
          .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(90_000));
      assertThat(explorer.getByText("README.md")).isVisible();
      assertThat(explorer.getByText("answers")).isVisible();
      explorer.getByText("shop.sql").click();
      assertThat(ide.locator(".monaco-editor .view-lines").first())
          .containsText(
              "CREATE TABLE customers",
              new LocatorAssertions.ContainsTextOptions().setTimeout(30_000));
      Browser.screenshot(ide, "candidate-workbench-" + runtime);
      candidate.close();
    }
  }
}
