package dev.prequel.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Folders and files that only Prequel's user may open: the data folder (database, keys, uploads,
 * workspaces), the archive, key files. Modes are set explicitly after creating (the umask only ever
 * takes bits away from what is asked, and a umask of 0 would leave 0777), and an existing folder
 * from an earlier version is tightened at start.
 */
public final class DataFolder {

  public static final Set<PosixFilePermission> FOLDER =
      PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private DataFolder() {}

  /** Makes {@code dir} (and any missing parents) and sets it to 0700; returns it. */
  public static Path secure(Path dir) throws IOException {
    Files.createDirectories(dir);
    set(dir, FOLDER);
    return dir;
  }

  /** Sets an existing file to 0600 (a missing one is left missing). */
  public static void ownerOnly(Path file) throws IOException {
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      set(file, FILE);
    }
  }

  private static void set(Path path, Set<PosixFilePermission> mode) throws IOException {
    try {
      if (!Files.getPosixFilePermissions(path).equals(mode)) {
        Files.setPosixFilePermissions(path, mode);
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system (e.g. Windows): its own ACLs apply
    }
  }
}
