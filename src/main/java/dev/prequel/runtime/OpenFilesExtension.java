package dev.prequel.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Opens a challenge's chosen files when the candidate's workbench starts. VS Code has no setting
 * for "open these files", so a tiny extension in the workspace's extensions folder opens them, once
 * per browser (a reload keeps whatever the candidate has open since).
 *
 * <p>It is put there before code-server starts, which then registers it by itself (an extension
 * added later is ignored unless listed in {@code extensions.json}, with a path as code-server sees
 * it: inside the sandbox, not on the host; an earlier attempt failed on that). The files to open
 * are read when it activates, from {@code files.json} written once the challenge's files are in.
 */
public final class OpenFilesExtension {

  public static final String FOLDER = "prequel.open-files-1.0.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  // "*": activate as soon as the extension host runs; "onStartupFinished" waits for the others.
  private static final String PACKAGE_JSON =
      """
      {
        "name": "open-files",
        "publisher": "prequel",
        "displayName": "Prequel: open the challenge's files",
        "version": "1.0.0",
        "engines": { "vscode": "^1.60.0" },
        "main": "./extension.js",
        "activationEvents": ["*"]
      }
      """;

  // The clock (issue 17, 2): clock.json beside this file says when the interview ends; it is
  // read every second, so a moved end shows within a second or two. The candidate cannot change
  // it (Prequel's read-only folder in the sandbox), and the end is enforced by Prequel anyway.
  private static final String EXTENSION_JS =
      """
      const vscode = require('vscode');
      const fs = require('fs');
      const path = require('path');
      const WARNINGS = [2, 10]; // minutes; the nearest one that applies is shown, once per end
      exports.activate = async (context) => {
        startClock(context);
        const root = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
        if (!root || context.workspaceState.get('prequel.opened')) return;
        let files;
        try {
          files = JSON.parse(fs.readFileSync(path.join(__dirname, 'files.json'), 'utf8'));
        } catch (e) {
          return; // nothing to open (yet)
        }
        await context.workspaceState.update('prequel.opened', true);
        for (const [i, file] of files.entries()) {
          const uri = vscode.Uri.joinPath(root.uri, file);
          try {
            await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: i > 0 });
          } catch (e) {
            console.error('prequel: cannot open ' + file + ': ' + e);
          }
        }
      };
      function startClock(context) {
        const item = vscode.window.createStatusBarItem('prequel.clock', vscode.StatusBarAlignment.Left, 1000);
        item.name = 'Time left';
        let clock = null;
        let warned = new Set();
        let lastEnd = null;
        context.subscriptions.push(item, vscode.commands.registerCommand('prequel.clock.click', async () => {
          if (!clock) return;
          const end = new Date(clock.endsAt);
          if (!clock.submitUrl) {
            vscode.window.showInformationMessage('This interview ends at ' + end.toLocaleTimeString() + '.');
            return;
          }
          const choice = await vscode.window.showWarningMessage(
            'Submit your take-home now? This ends it: your files are saved as they are.',
            { modal: true }, 'Submit');
          if (choice === 'Submit') vscode.env.openExternal(vscode.Uri.parse(clock.submitUrl));
        }));
        item.command = 'prequel.clock.click';
        const tick = () => {
          try {
            clock = JSON.parse(fs.readFileSync(path.join(__dirname, 'clock.json'), 'utf8'));
          } catch (e) {
            if (!clock) return; // no clock (yet): nothing to show
          }
          if (clock.endsAt !== lastEnd) { lastEnd = clock.endsAt; warned = new Set(); }
          const left = Math.max(0, Math.floor((Date.parse(clock.endsAt) - Date.now()) / 1000));
          const h = Math.floor(left / 3600), m = Math.floor(left / 60) % 60, s = left % 60;
          const two = (n) => String(n).padStart(2, '0');
          const text = left === 0 ? 'time is up'
            : (h > 0 ? h + ':' + two(m) + ':' + two(s) : two(m) + ':' + two(s)) + ' left';
          item.text = '$(clock) ' + text;
          item.tooltip = 'Ends at ' + new Date(clock.endsAt).toLocaleString()
            + (clock.submitUrl ? ' (click to submit early)' : '');
          item.backgroundColor = left <= 120
            ? new vscode.ThemeColor('statusBarItem.errorBackground')
            : left <= 600 ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
          item.show();
          for (const minutes of WARNINGS) {
            if (left > 0 && left <= minutes * 60 && !warned.has(minutes)) {
              WARNINGS.filter((w) => w >= minutes).forEach((w) => warned.add(w));
              vscode.window.showWarningMessage(minutes + ' minutes left: your work is saved when the time is up.');
            }
          }
        };
        tick();
        const timer = setInterval(tick, 1000);
        context.subscriptions.push({ dispose: () => clearInterval(timer) });
      }
      exports.deactivate = () => {};
      """;

  private OpenFilesExtension() {}

  /**
   * Puts the extension's files into {@code dir}, the extension's own folder (before code-server
   * starts). In a sandbox or a container that folder is Prequel's, bound read-only.
   */
  public static void installInto(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (var file : files().entrySet()) {
      write(dir.resolve(file.getKey()), file.getValue());
    }
  }

  /**
   * The extension's files by name, for a runtime that hands them over as a stream (a container's
   * archive API) rather than writing a folder.
   */
  public static java.util.Map<String, String> files() {
    return java.util.Map.of("package.json", PACKAGE_JSON, "extension.js", EXTENSION_JS);
  }

  /**
   * Names the files to open, relative to the workspace, in the extension's folder {@code dir}; the
   * first one gets the focus.
   */
  public static void openIn(Path dir, List<String> files) throws IOException {
    Files.createDirectories(dir);
    write(dir.resolve(FILES_JSON), filesJson(files));
  }

  /** The name of the file that lists the files to open, in the extension's folder. */
  public static final String FILES_JSON = "files.json";

  /** The name of the clock's file, in the extension's folder. */
  public static final String CLOCK_JSON = "clock.json";

  /** What {@link #FILES_JSON} holds for these files. */
  public static String filesJson(List<String> files) throws IOException {
    return JSON.writeValueAsString(files);
  }

  /** What {@link #CLOCK_JSON} holds for this end and submit address (or null). */
  public static String clockJson(java.time.Instant endsAt, String submitUrl) throws IOException {
    java.util.Map<String, String> clock = new java.util.LinkedHashMap<>();
    clock.put("endsAt", endsAt.toString());
    if (submitUrl != null) {
      clock.put("submitUrl", submitUrl);
    }
    return JSON.writeValueAsString(clock);
  }

  /** Tells the clock when the interview ends, and where a take-home is submitted (or null). */
  public static void showClock(Path dir, java.time.Instant endsAt, String submitUrl)
      throws IOException {
    write(dir.resolve(CLOCK_JSON), clockJson(endsAt, submitUrl));
  }

  private static void write(Path file, String content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
