package dev.prequel.runtime.local;

import dev.prequel.runtime.CodeServerSettings;
import dev.prequel.runtime.OpenFilesExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The files Prequel gives code-server at each start: its config, the candidate's first settings and
 * the extension that opens the challenge's files ({@link OpenFilesExtension}).
 *
 * <p>In a sandbox, root never writes them into a folder the candidate can change (issue 11, attack
 * 2: the candidate replaced them with links to a host file, killed code-server, and Prequel's next
 * start wrote through the links as root). They live in {@code {id}/prequel/}, a folder of Prequel's
 * own inside the root-owned interview folder, and reach the sandbox read-only:
 *
 * <pre>
 * {id}/prequel/open-files/      → /prequel/extensions/prequel.open-files-1.0.0 (read-only)
 * {id}/prequel/settings.json    → /prequel/default-settings.json (read-only)
 * </pre>
 *
 * The settings are the candidate's to change, so they are copied into the user data by the sandbox
 * itself, as the workspace's user, when the candidate has none yet: a link there leads nowhere the
 * workspace's user could not already write.
 *
 * <p>Without a sandbox, code-server runs as Prequel's own user, which the candidate then is: the
 * files go into the workspace's folders as before.
 */
final class CodeServerFiles {

  static final String DEFAULT_SETTINGS = "/prequel/default-settings.json";

  // As the workspace's user, before code-server: seed the settings once, then become code-server
  // (exec: the pid stays). A settings entry that exists in any form, even a dangling link, is kept.
  private static final String SEED_SETTINGS =
      "d=/prequel/user-data/User; mkdir -p \"$d\" 2>/dev/null;"
          + " if [ ! -e \"$d/settings.json\" ] && [ ! -L \"$d/settings.json\" ]; then"
          + " cp "
          + DEFAULT_SETTINGS
          + " \"$d/settings.json\" 2>/dev/null; fi; exec \"$@\"";

  private final boolean sandboxed;

  CodeServerFiles(boolean sandboxed) {
    this.sandboxed = sandboxed;
  }

  /** Writes the files before code-server starts. */
  void prepare(InterviewFolder folder) throws IOException {
    Files.createDirectories(folder.root());
    Files.writeString(folder.config(), CodeServerSettings.CONFIG_FILE, StandardCharsets.UTF_8);
    if (sandboxed) {
      Path own = prequelFolder(folder);
      OpenFilesExtension.installInto(own.resolve("open-files"));
      write(own.resolve("settings.json"), CodeServerSettings.USER_SETTINGS);
      return;
    }
    Files.createDirectories(folder.workspace());
    Files.createDirectories(folder.userSettings().getParent());
    // Written once: a re-provision keeps what the candidate changed in their settings.
    if (!Files.exists(folder.userSettings())) {
      Files.writeString(
          folder.userSettings(), CodeServerSettings.USER_SETTINGS, StandardCharsets.UTF_8);
    }
    OpenFilesExtension.installInto(openFilesDir(folder));
  }

  /** Names the files the workbench opens at its first start (after configure). */
  void openFiles(InterviewFolder folder, List<String> files) throws IOException {
    OpenFilesExtension.openIn(openFilesDir(folder), files);
  }

  /**
   * Tells the extension when the interview ends ({@code clock.json} beside it, which it reads every
   * second): in the sandbox, in Prequel's read-only folder, so the candidate reads but never
   * changes it; replaced whole (rename), so the extension never reads half of it.
   */
  void showClock(InterviewFolder folder, dev.prequel.runtime.WorkspaceClock clock)
      throws IOException {
    if (sandboxed) {
      prequelFolder(folder); // refuses a folder that is not Prequel's own
    }
    OpenFilesExtension.showClock(openFilesDir(folder), clock.endsAt(), clock.submitUrl());
  }

  /**
   * The sandbox's read-only binds of these files (bubblewrap arguments, after the folders'); none
   * for a workspace started by a Prequel before them, until its next start.
   */
  static List<String> binds(InterviewFolder folder) {
    Path own = folder.root().resolve("prequel");
    List<String> binds = new ArrayList<>();
    if (!Files.isRegularFile(own.resolve("settings.json"), LinkOption.NOFOLLOW_LINKS)) {
      return binds;
    }
    binds.addAll(
        List.of(
            "--ro-bind",
            own.resolve("open-files").toString(),
            Sandbox.EXTENSIONS + "/" + OpenFilesExtension.FOLDER));
    binds.addAll(List.of("--ro-bind", own.resolve("settings.json").toString(), DEFAULT_SETTINGS));
    return binds;
  }

  /** code-server's command, preceded by the seeding of the candidate's settings. */
  static List<String> seedingSettings(List<String> codeServer) {
    List<String> command =
        new ArrayList<>(List.of("/bin/sh", "-c", SEED_SETTINGS, "prequel-start"));
    command.addAll(codeServer);
    return command;
  }

  private Path openFilesDir(InterviewFolder folder) {
    return sandboxed
        ? folder.root().resolve("prequel").resolve("open-files")
        : folder.extensions().resolve(OpenFilesExtension.FOLDER);
  }

  /** {@code {id}/prequel}: made by Prequel, and refused if it is anything else. */
  private static Path prequelFolder(InterviewFolder folder) throws IOException {
    Path own = folder.root().resolve("prequel");
    try {
      Files.createDirectory(
          own, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    } catch (FileAlreadyExistsException e) {
      // checked below
    }
    if (!Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS)
        || !Files.getAttribute(own, "unix:uid", LinkOption.NOFOLLOW_LINKS)
            .equals(Files.getAttribute(folder.root(), "unix:uid", LinkOption.NOFOLLOW_LINKS))) {
      throw new IOException(own + " is not a folder of Prequel's own");
    }
    return own;
  }

  private static void write(Path file, String content) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, content, StandardCharsets.UTF_8);
    Files.move(
        temp,
        file,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
