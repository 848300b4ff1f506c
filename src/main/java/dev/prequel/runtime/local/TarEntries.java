package dev.prequel.runtime.local;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The entries of a tar stream that came out of a workspace, read within {@link
 * WorkspaceFiles.Bounds}. Everything in it is the candidate's: names are decoded leniently (bytes
 * that are no UTF-8 become U+FFFD, never an error), names that would leave the folder are dropped,
 * and reaching a bound throws {@link LimitReached}.
 */
final class TarEntries {

  /** What an entry is; only {@link #FILE} has content. */
  enum Kind {
    FILE,
    FOLDER,
    SYMLINK,
    /** Hard links, FIFOs, devices and anything else: never read, never made. */
    OTHER
  }

  /** One entry: its name relative to the packed folder, with '/' and without a trailing '/'. */
  record Entry(String name, Kind kind, long size, boolean executable, String linkTarget) {}

  /** A bound was reached; the message says which, in words for the interview's log. */
  static final class LimitReached extends IOException {
    private static final long serialVersionUID = 1L;

    LimitReached(String message) {
      super(message);
    }
  }

  private final TarArchiveInputStream tar;
  private final WorkspaceFiles.Bounds bounds;
  private final long deadline;
  private int entries;

  TarEntries(InputStream raw, WorkspaceFiles.Bounds bounds) {
    this.bounds = bounds;
    this.deadline = System.nanoTime() + bounds.maxTime().toNanos();
    // Latin-1 maps every byte to one char, so no name can fail to decode; see name().
    this.tar = new TarArchiveInputStream(new Counted(raw), StandardCharsets.ISO_8859_1.name());
  }

  /** The next entry, or null at the end of the stream. */
  Entry next() throws IOException {
    while (true) {
      checkTime();
      TarArchiveEntry e = tar.getNextEntry();
      if (e == null) {
        return null;
      }
      if (++entries > bounds.maxEntries()) {
        throw new LimitReached(
            "the workspace holds more than "
                + bounds.maxEntries()
                + " files and folders: only the first ones were read");
      }
      String name = name(e.getName());
      if (name == null) {
        continue;
      }
      Kind kind = kind(e);
      return new Entry(
          name,
          kind,
          kind == Kind.FILE ? e.getSize() : 0,
          (e.getMode() & 0100) != 0,
          kind == Kind.SYMLINK ? e.getLinkName() : null);
    }
  }

  /** The current entry's content (a regular file's bytes; nothing for other kinds). */
  InputStream content() {
    return tar;
  }

  private static Kind kind(TarArchiveEntry e) {
    if (e.isDirectory()) {
      return Kind.FOLDER;
    }
    if (e.isSymbolicLink()) {
      return Kind.SYMLINK;
    }
    byte flag = e.getLinkFlag();
    boolean regular =
        flag == TarConstants.LF_NORMAL
            || flag == TarConstants.LF_OLDNORM
            || flag == TarConstants.LF_CONTIG;
    return regular && !e.isLink() ? Kind.FILE : Kind.OTHER;
  }

  /**
   * The entry's name as UTF-8 (invalid bytes replaced), relative, without "./" or a trailing '/';
   * null for the packed folder itself and for names that would leave it.
   */
  static String name(String latin1) {
    String name = new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    while (name.startsWith("./")) {
      name = name.substring(2);
    }
    while (name.endsWith("/")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.isEmpty() || name.equals(".") || name.startsWith("/") || name.indexOf('\0') >= 0) {
      return null;
    }
    List<String> parts = List.of(name.split("/", -1));
    if (parts.contains("..") || parts.contains(".") || parts.contains("")) {
      return null;
    }
    return name;
  }

  private void checkTime() throws LimitReached {
    if (System.nanoTime() - deadline > 0) {
      throw new LimitReached(
          "reading the workspace took longer than "
              + bounds.maxTime().toSeconds()
              + " s: only the first files were read");
    }
  }

  /** Counts the stream's bytes against the bound. */
  private final class Counted extends FilterInputStream {
    private long read;

    Counted(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = super.skip(n);
      count(skipped);
      return skipped;
    }

    private void count(long n) throws LimitReached {
      read += n;
      if (read > bounds.maxBytes()) {
        throw new LimitReached(
            "the workspace holds more than "
                + bounds.maxBytes() / (1024 * 1024)
                + " MiB to read: only the first files were read");
      }
      checkTime();
    }
  }
}
