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

  private static final String EXTENSION_JS =
      """
      const vscode = require('vscode');
      const fs = require('fs');
      const path = require('path');
      exports.activate = async (context) => {
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
      exports.deactivate = () => {};
      """;

  private OpenFilesExtension() {}

  /**
   * Puts the extension's files into {@code dir}, the extension's own folder (before code-server
   * starts). In a sandbox or a container that folder is Prequel's, bound read-only.
   */
  public static void installInto(Path dir) throws IOException {
    Files.createDirectories(dir);
    write(dir.resolve("package.json"), PACKAGE_JSON);
    write(dir.resolve("extension.js"), EXTENSION_JS);
  }

  /**
   * Names the files to open, relative to the workspace, in the extension's folder {@code dir}; the
   * first one gets the focus.
   */
  public static void openIn(Path dir, List<String> files) throws IOException {
    Files.createDirectories(dir);
    write(dir.resolve("files.json"), JSON.writeValueAsString(files));
  }

  private static void write(Path file, String content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
