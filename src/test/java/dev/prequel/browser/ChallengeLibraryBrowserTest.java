package dev.prequel.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Download;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.prequel.testing.Browser;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** An interviewer manages the challenge library in a real browser. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class ChallengeLibraryBrowserTest {

  @TempDir static Path data;
  @TempDir static Path library;
  @TempDir static Path files;
  static TestPrequel p;
  static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    // A library of its own, so uploads and deletions leave the shipped challenges alone.
    copyTree(Path.of("challenges"), library);
    p = TestPrequel.start(data, Map.of("PREQUEL_CHALLENGES_DIR", library.toString()));
    browser = new Browser();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    p.close();
  }

  @Test
  void uploadBrowseEditDownloadAndDelete() throws Exception {
    Map<String, String> content = new LinkedHashMap<>();
    content.put(
        "kata/challenge.yaml",
        """
        id: bowling-kata
        title: Bowling kata
        description: |
          Score a **bowling** game. <script>window.__xss = true</script>
        environment: javascript
        test: node --test
        tools: ["node >= 18"]
        """);
    content.put("kata/README.md", "# Bowling\n");
    content.put("kata/src/score.js", "export function score(rolls) { return 0; }\n");
    Path zip = zip("bowling.zip", content);

    BrowserContext ctx = browser.newContext();
    Page page = ctx.newPage();
    page.onDialog(dialog -> dialog.accept());
    Browser.signIn(page, "http://localhost:" + p.port() + "/challenges");
    assertThat(page.locator("li.challenge[data-id=sql-sales-report]")).hasCount(1);

    // Upload: lands on the new challenge's page, description rendered, its script only text.
    page.getByLabel("A zip file").setInputFiles(zip);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();
    assertThat(page.locator("h2").first()).containsText("Bowling kata");
    assertThat(page.locator(".description strong")).hasText("bowling");
    assertThat(page.locator(".description")).containsText("<script>");
    assertThat((Boolean) page.evaluate("window.__xss === true")).isFalse();

    // Browse files and preview one.
    page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("src/score.js")).click();
    assertThat(page.getByTestId("preview")).containsText("export function score");
    Browser.screenshot(page, "library-preview");

    // Edit the title.
    page.getByLabel("Title").fill("Bowling kata (easy)");
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save")).click();
    assertThat(page.locator("h2").first()).containsText("Bowling kata (easy)");

    // Download gives the files back.
    Download download =
        page.waitForDownload(
            () ->
                page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Download zip"))
                    .click());
    assertThat(download.suggestedFilename()).isEqualTo("bowling-kata.zip");
    assertThat(zipNames(download.path()))
        .containsExactly(
            "bowling-kata/README.md", "bowling-kata/challenge.yaml", "bowling-kata/src/score.js");

    // A second upload of the same id is refused, with the reason on the page.
    page.navigate("http://localhost:" + p.port() + "/challenges");
    page.getByLabel("A zip file").setInputFiles(zip);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();
    assertThat(page.getByRole(AriaRole.ALERT)).containsText("already in the library");

    // A zip that tries to write outside its folder is refused, saying which entry.
    page.getByLabel("A zip file").setInputFiles(zip("evil.zip", Map.of("../evil.sh", "rm -rf /")));
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();
    assertThat(page.getByRole(AriaRole.ALERT))
        .containsText("'../evil.sh' would be written outside");

    // Sort by most used; then delete the new challenge.
    page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Most used")).click();
    Locator card = page.locator("li.challenge[data-id=bowling-kata]");
    assertThat(card).hasCount(1);
    card.getByRole(AriaRole.LINK).first().click();
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete")).click();
    assertThat(page.getByRole(AriaRole.ALERT))
        .containsText("Interviews already using it keep working");
    assertThat(page.locator("li.challenge[data-id=bowling-kata]"))
        .hasCount(0, new LocatorAssertions.HasCountOptions().setTimeout(5_000));
    ctx.close();
  }

  @Test
  void aFolderCanBeUploaded() throws Exception {
    Path folder = files.resolve("pairs");
    Files.createDirectories(folder.resolve("lib"));
    Files.writeString(
        folder.resolve("challenge.yaml"), "id: pairs\ntitle: Pairs\ndescription: Find pairs.\n");
    Files.writeString(folder.resolve("lib/pairs.py"), "def pairs(xs): ...\n");

    BrowserContext ctx = browser.newContext();
    Page page = ctx.newPage();
    Browser.signIn(page, "http://localhost:" + p.port() + "/challenges");
    page.getByLabel("or a folder").setInputFiles(folder);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Upload")).click();

    assertThat(page.locator("h2").first()).containsText("Pairs");
    assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("lib/pairs.py")))
        .isVisible();
    ctx.close();
  }

  static Path zip(String name, Map<String, String> entries) throws IOException {
    Path zip = files.resolve(name);
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (var e : entries.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return zip;
  }

  static List<String> zipNames(Path zip) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    return names;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (var walk = Files.walk(from)) {
      for (Path s : walk.toList()) {
        if (s.toString().contains("node_modules")) {
          continue;
        }
        Path d = to.resolve(from.relativize(s).toString());
        if (Files.isDirectory(s)) {
          Files.createDirectories(d);
        } else {
          Files.copy(s, d);
        }
      }
    }
  }
}
