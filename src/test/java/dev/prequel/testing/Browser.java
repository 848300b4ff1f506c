package dev.prequel.testing;

import com.microsoft.playwright.Browser.NewContextOptions;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.TimeoutError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium, headless, driven by Playwright (which must not download a browser of its own).
 */
public final class Browser implements AutoCloseable {

  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

  private final Playwright playwright;
  private final com.microsoft.playwright.Browser browser;

  public Browser() {
    if (!Files.isExecutable(CHROMIUM)) {
      throw new IllegalStateException(
          "Chromium is missing: apt-get install -y chromium (./prequel test does this)");
    }
    playwright =
        Playwright.create(
            new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser =
        playwright
            .chromium()
            .launch(
                new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM)
                    .setHeadless(true)
                    .setArgs(
                        List.of(
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync")));
  }

  /** A fresh browser profile (no cookies shared with other contexts). */
  public BrowserContext newContext() {
    return browser.newContext(new NewContextOptions().setViewportSize(1400, 900));
  }

  /**
   * Opens {@code url} on the portal, signing in on the way as a person would: the portal sends an
   * anonymous browser to its sign-in page, and back to {@code url} after.
   */
  public static Page signIn(Page page, String url, String email, String password) {
    page.navigate(url);
    page.locator("input[name=email]").fill(email);
    page.locator("input[name=password]").fill(password);
    page.locator("form.signin button[type=submit]").click();
    page.waitForURL(url);
    return page;
  }

  /** {@link #signIn(Page, String, String, String)} as the tests' admin. */
  public static Page signIn(Page page, String url) {
    return signIn(page, url, TestAuth.ADMIN_EMAIL, TestAuth.ADMIN_PASSWORD);
  }

  /**
   * The candidate's sign-in as they do it: the interview's address, Prequel's login page, the
   * password, Enter; the workbench loads after.
   */
  public static void signInAsCandidate(Page ide, String accessUrl, String password) {
    ide.navigate(accessUrl);
    ide.locator("input[type=password]").fill(password);
    ide.locator("input[type=password]").press("Enter");
  }

  /**
   * Opens a new terminal in the candidate's IDE and returns its input. A busy workbench can drop
   * the key press (CI once waited 30 s for a terminal that never came), so it presses again, up to
   * four times; "new terminal" rather than the toggle, so a late first terminal is not closed by
   * the next press.
   */
  public static Locator openTerminal(Page ide) {
    Locator input = ide.locator(".terminal-wrapper .xterm-helper-textarea >> visible=true").first();
    ide.bringToFront();
    for (int attempt = 1; ; attempt++) {
      ide.keyboard().press("Control+Shift+Backquote");
      try {
        input.waitFor(new Locator.WaitForOptions().setTimeout(20_000));
        return input;
      } catch (TimeoutError e) {
        if (attempt == 4) {
          screenshot(ide, "terminal-never-opened");
          throw e;
        }
      }
    }
  }

  /** The rows of the IDE's terminal that shows, for its output. */
  public static Locator terminalRows(Page ide) {
    return ide.locator(".terminal-wrapper .xterm-rows >> visible=true").first();
  }

  /** Saves a screenshot under target/screenshots for people to look at when a test fails. */
  public static void screenshot(Page page, String name) {
    page.screenshot(
        new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", name + ".png")));
  }

  @Override
  public void close() {
    browser.close();
    playwright.close();
  }
}
