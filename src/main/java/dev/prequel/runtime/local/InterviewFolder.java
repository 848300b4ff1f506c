package dev.prequel.runtime.local;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * The layout of one interview's folder under the workspaces folder:
 *
 * <pre>
 * {id}/
 *   workspace/        the candidate's files; the folder code-server opens
 *   user-data/        code-server's user data (User/settings.json)
 *   extensions/       code-server's extensions
 *   code-server.yaml  code-server's config file (settings come from argv; keeps it from writing its own)
 *   code-server.log   code-server's stdout and stderr
 *   runtime.json      pid, port or socket, and start times of the running process
 *   home/             the candidate's HOME (sandbox only)
 *   run/              code-server's Unix socket (no sandbox only)
 *   sockets/{n}/      code-server's Unix socket, a fresh folder per start, sealed (sandbox only)
 *   prequel/          Prequel's own files for code-server, root's, bound read-only (sandbox only)
 *   sandbox-user      the pool user this workspace leases (sandbox only)
 *   grant.json        the limits and network the workspace was given
 * </pre>
 *
 * A spare workspace of the warm pool lives in a folder {@code spare-…}; an interview that claims it
 * gets a link {@code {id} -> spare-…} instead of a folder of its own, and {@link #interviewId()}
 * then names the spare folder (the name its cgroups and lock go by).
 */
record InterviewFolder(Path root) {

  // Ids become folder names: keep them to characters that cannot leave the workspaces folder.
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

  static InterviewFolder of(Path workspacesDir, String interviewId) {
    if (interviewId == null || !SAFE_ID.matcher(interviewId).matches()) {
      throw new IllegalArgumentException(
          "interview id must be 1-100 letters, digits, '-' or '_' (starting with a letter or digit): "
              + interviewId);
    }
    return new InterviewFolder(workspacesDir.resolve(interviewId).toAbsolutePath().normalize());
  }

  /** The folder's own name: the interview's id, or a spare's. */
  String interviewId() {
    return root.getFileName().toString();
  }

  Path workspace() {
    return root.resolve("workspace");
  }

  Path userData() {
    return root.resolve("user-data");
  }

  Path userSettings() {
    return userData().resolve("User").resolve("settings.json");
  }

  Path extensions() {
    return root.resolve("extensions");
  }

  Path config() {
    return root.resolve("code-server.yaml");
  }

  Path log() {
    return root.resolve("code-server.log");
  }

  Path state() {
    return root.resolve("runtime.json");
  }

  Path home() {
    return root.resolve("home");
  }

  /** The socket folders of a sandboxed code-server, one per start ({@link SocketSeal}). */
  Path sockets() {
    return root.resolve("sockets");
  }

  /** The socket folder of an unsandboxed code-server. */
  Path socketDir() {
    return root.resolve("run");
  }

  Path socket() {
    return socketDir().resolve("code-server.sock");
  }

  Path grant() {
    return root.resolve("grant.json");
  }

  Path userLease() {
    return root.resolve("sandbox-user");
  }
}
