package dev.prequel.runtime.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A code-server installed by {@code scripts/install-code-server.sh}: its {@code entry.js} and the
 * {@code node} that runs it.
 */
public final class CodeServerInstall {

  /** The version the install script installs by default; it must match the system's Node 20. */
  public static final String VERSION = "4.100.3";

  private static final String ENTRY = "node_modules/code-server/out/node/entry.js";

  private final Path dir;
  private final Path entry;
  private final Path node;

  private CodeServerInstall(Path dir, Path entry, Path node) {
    this.dir = dir;
    this.entry = entry;
    this.node = node;
  }

  /** Locates code-server in {@code dir}; fails with what to run when it is not installed there. */
  public static CodeServerInstall at(Path dir) {
    Path entry = dir.resolve(ENTRY);
    if (!Files.isRegularFile(entry)) {
      throw new IllegalStateException(
          "code-server is not installed in "
              + dir
              + " (no "
              + ENTRY
              + "): run scripts/install-code-server.sh "
              + dir);
    }
    Path node =
        findOnPath("node", System.getenv("PATH"))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "node is not on PATH; code-server "
                            + VERSION
                            + " needs Node 20 (apt-get install -y nodejs)"));
    return new CodeServerInstall(dir, entry, node);
  }

  static Optional<Path> findOnPath(String program, String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String folder : path.split(java.util.regex.Pattern.quote(File.pathSeparator), -1)) {
      if (folder.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(folder, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  public Path dir() {
    return dir;
  }

  public Path entry() {
    return entry;
  }

  public Path node() {
    return node;
  }
}
