package dev.prequel.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A challenge's files as the tar stream the container runtimes hand a workspace (the engine's
 * archive API, tar through a pod's exec): folders and regular files only, owned by the workspace's
 * user; the challenge's own metadata, links and special files are never handed to candidates.
 */
public final class ChallengeTarWriter {

  /** The challenge's metadata file: Prequel's, not the candidate's. */
  public static final String CHALLENGE_METADATA = "challenge.yaml";

  /** Files sent and files kept (already in the workspace). */
  public record Counts(int sent, int kept) {}

  private ChallengeTarWriter() {}

  /**
   * Writes {@code paths} (under {@code root}, in order) as a finished tar, leaving {@code raw}
   * open; files whose name is in {@code existing} are kept as the workspace has them.
   */
  public static Counts write(
      Path root, List<Path> paths, Set<String> existing, int uid, OutputStream raw)
      throws IOException {
    int sent = 0;
    int kept = 0;
    TarArchiveOutputStream out = new TarArchiveOutputStream(raw, "UTF-8");
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    for (Path path : paths) {
      String name = root.relativize(path).toString().replace('\\', '/');
      boolean folder = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
      if (name.equals(CHALLENGE_METADATA)
          || !(folder || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))) {
        continue; // links and specials in a challenge are not handed to candidates
      }
      if (!folder && existing.contains(name)) {
        kept++;
        continue;
      }
      TarArchiveEntry entry = new TarArchiveEntry(folder ? name + "/" : name);
      entry.setIds(uid, uid);
      if (folder) {
        entry.setMode(040755);
        out.putArchiveEntry(entry);
      } else {
        entry.setMode(Files.isExecutable(path) ? 0100755 : 0100644);
        entry.setSize(Files.size(path));
        out.putArchiveEntry(entry);
        Files.copy(path, out);
        sent++;
      }
      out.closeArchiveEntry();
    }
    out.finish();
    return new Counts(sent, kept);
  }
}
