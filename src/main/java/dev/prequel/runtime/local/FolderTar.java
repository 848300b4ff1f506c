package dev.prequel.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A tar stream of a host folder: regular files, folders and symbolic links (as links, never
 * followed); FIFOs, sockets and devices are left out. Used on folders Prequel owns (the challenge,
 * the reuse cache, the npm cache), and, without a sandbox, on the workspace itself (whose candidate
 * then runs as Prequel's own user anyway).
 */
final class FolderTar implements WorkspaceFiles.TarSource {

  private final Path root;
  private final String prefix;
  private final Predicate<String> include;
  private final Set<String> excludedNames;

  /**
   * @param prefix put before each entry's name ("" or a folder, e.g. {@code ".npm/"})
   * @param include which paths (relative to {@code root}, with '/') go in; a folder left out is not
   *     looked into
   */
  FolderTar(Path root, String prefix, Predicate<String> include, Set<String> excludedNames) {
    this.root = root;
    this.prefix = prefix;
    this.include = include;
    this.excludedNames = excludedNames;
  }

  static FolderTar of(Path root, Predicate<String> include) {
    return new FolderTar(root, "", include, Set.of());
  }

  @Override
  public void writeTo(TarArchiveOutputStream out) throws IOException {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            if (dir.equals(root)) {
              return FileVisitResult.CONTINUE;
            }
            String name = relative(dir);
            if (!include.test(name)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            TarArchiveEntry entry = new TarArchiveEntry(prefix + name + "/");
            entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
            entry.setModTime(attrs.lastModifiedTime());
            out.putArchiveEntry(entry);
            out.closeArchiveEntry();
            // An excluded folder comes, empty, as GNU tar's "--exclude=name/*" gives it.
            return excludedNames.contains(dir.getFileName().toString())
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String name = relative(file);
            if (!include.test(name)) {
              return FileVisitResult.CONTINUE;
            }
            if (attrs.isSymbolicLink()) {
              TarArchiveEntry entry = new TarArchiveEntry(prefix + name, TarConstants.LF_SYMLINK);
              entry.setLinkName(Files.readSymbolicLink(file).toString());
              out.putArchiveEntry(entry);
              out.closeArchiveEntry();
            } else if (attrs.isRegularFile()) {
              addFile(out, file, prefix + name, attrs);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
  }

  /**
   * One regular file, opened without following links. A file that changed size since it was looked
   * at is cut or padded to the size already written in its header.
   */
  private static void addFile(
      TarArchiveOutputStream out, Path file, String name, BasicFileAttributes attrs)
      throws IOException {
    InputStream in;
    try {
      in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return; // gone meanwhile
    }
    try (in) {
      TarArchiveEntry entry = new TarArchiveEntry(name);
      entry.setSize(attrs.size());
      entry.setMode(executable(file) ? 0755 : 0644);
      entry.setModTime(attrs.lastModifiedTime());
      out.putArchiveEntry(entry);
      byte[] buffer = new byte[64 * 1024];
      long left = attrs.size();
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        left -= n;
      }
      for (; left > 0; left -= Math.min(buffer.length, left)) {
        out.write(new byte[buffer.length], 0, (int) Math.min(buffer.length, left));
      }
      out.closeArchiveEntry();
    }
  }

  private static boolean executable(Path file) throws IOException {
    try {
      Set<PosixFilePermission> p = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      return p.contains(PosixFilePermission.OWNER_EXECUTE);
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(file);
    }
  }

  private String relative(Path path) {
    return root.relativize(path).toString().replace(java.io.File.separatorChar, '/');
  }
}
