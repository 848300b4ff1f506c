package dev.prequel.runtime.local;

import java.util.List;

/**
 * Runs code-server's server in the process Prequel starts, instead of through its {@code entry.js}.
 * That entry is a launcher: it parses the arguments, then forks a second Node process that loads
 * everything again and runs the server, and stays beside it only to relaunch it on SIGUSR1 and copy
 * its output into rotating log files. For a workspace that costs a whole Node start on the way to
 * "active" (measured here: listening after 3.6 s instead of 8.5 s on a loaded machine) and about 60
 * MiB of memory for as long as it runs.
 *
 * <p>The script below does what that second process does ({@code entry.js}, its child branch): it
 * marks itself as the child (of itself, so code-server's check that its parent lives always passes,
 * and VS Code's own server does not start a server of its own on import), parses the arguments as
 * the launcher would have, keeps {@code process.exit} from ending the server, and disposes of the
 * server on SIGTERM. It is passed with {@code node -e}: there is no file for the candidate to
 * change, and it reads nothing but code-server's read-only install.
 *
 * <p>Two things differ from the launcher's child on purpose. {@code process.execArgv} is emptied,
 * as the child's is: VS Code forks its extension host (which runs the extension Prequel installs:
 * open files, the candidate's clock), terminal host and file watcher with the parent's {@code
 * execArgv}, and {@code -e <script>} there made each fork run this script instead of its module.
 * And VS Code's server is loaded before the socket appears, not on the first page request: without
 * the launcher's second copy of code-server a workspace starts in about 21 MiB, so a too small
 * memory limit was only hit when the candidate opened the IDE; now it ends the start, and the
 * candidate's first page does not wait for the load.
 */
final class CodeServerMain {

  private static final String SCRIPT =
      """
      "use strict";
      const entry = ENTRY;
      const out = require("path").dirname(entry);
      // VS Code forks its extension host, terminal host and file watcher with process.execArgv,
      // which holds "-e" and this script: each would run this script again, not its own module.
      process.execArgv = [];
      process.env.CODE_SERVER_PARENT_PID = String(process.pid);
      process.env.NODE_EXEC_PATH = process.execPath;
      const { wrapper } = require(out + "/wrapper");
      const cli = require(out + "/cli");
      const main = require(out + "/main");
      // The launcher's log files made code-server's data folder; its heartbeat file goes there.
      require("fs").mkdirSync(require(out + "/util").paths.data, { recursive: true });
      (async () => {
        const cliArgs = cli.parse(process.argv.slice(1));
        const args = await cli.setDefaults(cliArgs, await cli.readConfigFile(cliArgs.config));
        process.argv = [process.argv[0], entry.replace(/\\.js$/, "")];
        wrapper.preventExit();
        // VS Code's server, which code-server loads on the first page request, is loaded before
        // the socket appears: ready then means the IDE answers at once, and a memory limit too
        // small for it ends the start rather than the candidate's first page.
        const vscode = require(out + "/routes/vscode");
        await new Promise((loaded, failed) =>
          vscode.ensureVSCodeLoaded({ args }, undefined, (e) => (e ? failed(e) : loaded())));
        const server = await main.runCodeServer(args);
        wrapper.onDispose(() => server.dispose());
      })().catch((e) => {
        wrapper.logger.error(e.message);
        wrapper.exit(e);
      });
      """;

  private CodeServerMain() {}

  /**
   * The start of code-server's command line: {@code node -e <script> --}, then its arguments.
   *
   * @param entry code-server's {@code out/node/entry.js} as the process sees it
   */
  static List<String> command(String node, String entry) {
    return List.of(node, "-e", SCRIPT.replace("ENTRY", jsString(entry)), "--");
  }

  /** A path as a JavaScript string literal; only plain paths are ever passed. */
  static String jsString(String path) {
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f) {
        throw new IllegalArgumentException(
            "code-server's path holds an unusual character: " + path);
      }
    }
    return "\"" + path + "\"";
  }
}
