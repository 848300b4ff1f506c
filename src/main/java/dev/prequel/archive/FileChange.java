package dev.prequel.archive;

/**
 * How one file differs between two snapshots.
 *
 * @param change {@code add}, {@code modify}, {@code delete}, {@code rename} or {@code copy}
 * @param oldPath the path before (null when added)
 * @param newPath the path after (null when deleted)
 * @param patch a unified diff ("Binary files differ" for binary files)
 */
public record FileChange(String change, String oldPath, String newPath, String patch) {

  public String path() {
    return newPath != null ? newPath : oldPath;
  }
}
