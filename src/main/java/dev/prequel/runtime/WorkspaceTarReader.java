package dev.prequel.runtime;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A workspace's files as a tar stream handed to a {@link WorkspaceFileVisitor}: the way the
 * container runtimes read them (the engine's archive API, tar through a pod's exec). Only regular
 * files reach the visitor (links, FIFOs and devices never do), within bounds on entries, bytes and
 * time, past which the visitor is told the files were cut short.
 */
public final class WorkspaceTarReader {

  /** What a snapshot reads at most, as the local runtime's tar. */
  public static final int MAX_ENTRIES = 100_000;

  public static final long MAX_BYTES = 2L * 1024 * 1024 * 1024;

  public static final Duration MAX_TIME = Duration.ofMinutes(3);

  /** How much one read may take: entries (files and folders), bytes of files, and time. */
  public record Bounds(int maxEntries, long maxBytes, Duration maxTime) {

    /** A snapshot's. */
    public static final Bounds SNAPSHOT = new Bounds(MAX_ENTRIES, MAX_BYTES, MAX_TIME);
  }

  private WorkspaceTarReader() {}

  /**
   * Reads the stream to its end. {@code relative} turns an entry's name (ISO-8859-1, as tar keeps
   * bytes) into its path under {@code /workspace}, or null for the folder itself and names that
   * would leave it.
   */
  public static void visit(
      InputStream raw, WorkspaceFileVisitor visitor, UnaryOperator<String> relative)
      throws IOException {
    visit(raw, visitor, relative, Bounds.SNAPSHOT);
  }

  /** {@link #visit(InputStream, WorkspaceFileVisitor, UnaryOperator)} within other bounds. */
  public static void visit(
      InputStream raw, WorkspaceFileVisitor visitor, UnaryOperator<String> relative, Bounds bounds)
      throws IOException {
    long deadline = System.nanoTime() + bounds.maxTime().toNanos();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(
            new BufferedInputStream(raw), StandardCharsets.ISO_8859_1.name())) {
      List<String> refused = new ArrayList<>();
      Set<String> excluded = visitor.excludedFolderNames();
      long bytes = 0;
      int entries = 0;
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        String name = relative.apply(e.getName());
        if (name == null || refused.stream().anyMatch(name::startsWith)) {
          continue;
        }
        if (++entries > bounds.maxEntries()) {
          visitor.truncated("more than " + bounds.maxEntries() + " files and folders");
          return;
        }
        if (System.nanoTime() > deadline) {
          visitor.truncated(
              "reading the files took longer than " + bounds.maxTime().toSeconds() + " s");
          return;
        }
        if (e.isDirectory()) {
          String leaf = name.substring(name.lastIndexOf('/') + 1);
          if (excluded.contains(leaf) || !visitor.enterFolder(name)) {
            refused.add(name + "/");
          }
        } else if (regular(e)) {
          bytes += e.getSize();
          if (bytes > bounds.maxBytes()) {
            visitor.truncated("more than " + (bounds.maxBytes() >> 20) + " MiB of files");
            return;
          }
          InputStream content = new KeptOpen(tar);
          visitor.file(name, e.getSize(), (e.getMode() & 0100) != 0, () -> content);
        }
      }
      tar.transferTo(OutputStream.nullOutputStream()); // the writer may wait for its last bytes
    }
  }

  /**
   * Whether the entry is a regular file with its content. commons-compress's {@code isFile} is true
   * for any entry that is not a folder, symbolic links, FIFOs and devices included: those must
   * never reach a visitor, not even as empty files.
   */
  private static boolean regular(TarArchiveEntry e) {
    return e.isFile()
        && !e.isLink()
        && !e.isSymbolicLink()
        && !e.isFIFO()
        && !e.isCharacterDevice()
        && !e.isBlockDevice();
  }

  /** The tar entry's content; closing it leaves the tar stream open for the next entry. */
  private static final class KeptOpen extends FilterInputStream {
    KeptOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {}
  }
}
