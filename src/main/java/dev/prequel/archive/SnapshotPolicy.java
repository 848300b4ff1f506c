package dev.prequel.archive;

import java.util.Set;

/**
 * What goes into a snapshot: everything but dependency and build folders, up to a total size.
 *
 * @param excludedFolders folder names never looked into, wherever they are
 * @param maxBytes the most a snapshot holds; past it the largest files are left out (and named)
 */
public record SnapshotPolicy(Set<String> excludedFolders, long maxBytes) {

  public static final Set<String> DEFAULT_EXCLUDED =
      Set.of(
          ".git",
          "node_modules",
          ".venv",
          "venv",
          "__pycache__",
          ".pytest_cache",
          ".mypy_cache",
          ".ruff_cache",
          ".tox",
          "dist",
          "build",
          "target",
          ".gradle",
          ".next",
          ".cache");

  public static final long DEFAULT_MAX_BYTES = 50L * 1024 * 1024;

  boolean excludes(String folderPath) {
    return excludedFolders.contains(folderPath.substring(folderPath.lastIndexOf('/') + 1));
  }
}
