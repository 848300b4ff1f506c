package dev.prequel.runtime.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a tar stream's files, folders and symbolic links into a folder, with names checked (never
 * outside the folder) and nothing followed: an entry below a symbolic link or below something that
 * is no folder is dropped, files are created new ({@code O_EXCL}). Safe where Prequel is the
 * folder's only writer (the reuse cache); without a sandbox it also unpacks into the workspace,
 * whose candidate is Prequel's user then.
 */
final class TarToFolder implements WorkspaceFiles.TarSink {

  private final Path root;
  private int kept;

  TarToFolder(Path root) {
    this.root = root;
  }

  /** Regular files of the stream that were already there, and kept. */
  int kept() {
    return kept;
  }

  @Override
  public void readFrom(TarEntries entries) throws IOException {
    Files.createDirectories(root);
    for (TarEntries.Entry e; (e = entries.next()) != null; ) {
      Path target = root.resolve(e.name());
      if (!target.normalize().startsWith(root) || !parentsAreFolders(target)) {
        continue;
      }
      boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
      switch (e.kind()) {
        case FOLDER -> {
          if (!exists) {
            Files.createDirectory(target);
          }
        }
        case FILE -> {
          if (exists) {
            kept++;
          } else {
            write(target, e, entries);
          }
        }
        case SYMLINK -> {
          if (!exists) {
            Files.createSymbolicLink(target, Path.of(e.linkTarget()));
          }
        }
        case OTHER -> {
          // hard links, FIFOs, devices: never made
        }
      }
    }
  }

  private static void write(Path target, TarEntries.Entry e, TarEntries entries)
      throws IOException {
    try (OutputStream out =
        Files.newOutputStream(
            target,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      entries.content().transferTo(out);
    } catch (FileAlreadyExistsException raced) {
      return; // made meanwhile (only without a sandbox, by the candidate): theirs wins
    }
    Files.setPosixFilePermissions(
        target, PosixFilePermissions.fromString(e.executable() ? "rwxr-xr-x" : "rw-r--r--"));
  }

  /** Makes the entry's missing parent folders; false when one of them is a link or no folder. */
  private boolean parentsAreFolders(Path target) throws IOException {
    Path relative = root.relativize(target.getParent() == null ? root : target.getParent());
    Path at = root;
    for (Path part : relative) {
      if (part.toString().isEmpty()) {
        continue;
      }
      at = at.resolve(part);
      if (!Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(at);
      } else if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
        return false; // a link (or a file) where a folder should be: never written through
      }
    }
    return true;
  }
}
