package dev.prequel.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens a challenge's chosen files when the candidate's workbench starts. VS Code has no setting
 * for "open these files", so a tiny extension, installed into the workspace's own extensions
 * folder, opens them once (a reload keeps whatever the candidate has open since).
 */
final class OpenFilesExtension {

  static final String ID = "prequel.open-files";
  private static final String VERSION = "1.0.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String PACKAGE_JSON =
      """
      {
        "name": "open-files",
        "publisher": "prequel",
        "displayName": "Prequel: open the challenge's files",
        "version": "1.0.0",
        "engines": { "vscode": "^1.60.0" },
        "main": "./extension.js",
        "activationEvents": ["onStartupFinished"]
      }
      """;

  private static final String EXTENSION_JS =
      """
      const vscode = require('vscode');
      const files = require('./files.json');
      exports.activate = async (context) => {
        if (context.workspaceState.get('opened')) return;
        const root = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
        if (!root) return;
        await context.workspaceState.update('opened', true);
        for (const [i, file] of files.entries()) {
          const uri = vscode.Uri.joinPath(root.uri, file);
          try {
            if (file.toLowerCase().endsWith('.md')) {
              await vscode.commands.executeCommand('markdown.showPreview', uri);
            } else {
              await vscode.window.showTextDocument(uri, { preview: false, preserveFocus: i > 0 });
            }
          } catch (e) {
            console.error('prequel: cannot open ' + file + ': ' + e);
          }
        }
      };
      exports.deactivate = () => {};
      """;

  private OpenFilesExtension() {}

  /** Installs (or, with no files, leaves out) the extension in an extensions folder. */
  static void install(Path extensionsDir, List<String> files) throws IOException {
    if (files.isEmpty()) {
      return;
    }
    String folderName = ID + "-" + VERSION;
    Path dir = extensionsDir.resolve(folderName);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("package.json"), PACKAGE_JSON, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("extension.js"), EXTENSION_JS, StandardCharsets.UTF_8);
    Files.write(dir.resolve("files.json"), JSON.writeValueAsBytes(files));
    // VS Code lists installed extensions in extensions.json; one not listed there is ignored.
    String path = dir.toAbsolutePath().toString();
    Map<String, Object> entry =
        Map.of(
            "identifier",
            Map.of("id", ID),
            "version",
            VERSION,
            "location",
            Map.of("$mid", 1, "path", path, "scheme", "file"),
            "relativeLocation",
            folderName,
            "metadata",
            Map.of("installedTimestamp", 0, "source", "vsix"));
    Files.write(extensionsDir.resolve("extensions.json"), JSON.writeValueAsBytes(List.of(entry)));
  }
}
