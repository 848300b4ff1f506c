package dev.prequel.challenge;

import dev.prequel.error.ProblemException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Challenges in and out of zip files, and uploaded folders. Uploads are checked before anything is
 * kept: sizes, paths that would leave the folder, links and device files are refused with a message
 * that names the entry.
 */
public final class ChallengeArchive {

  /**
   * How much an upload may hold.
   *
   * @param maxEntries entries of a zip's table of contents: files, folders and macOS's {@code
   *     __MACOSX} twins; checked before the table is read
   * @param maxDirectoryBytes bytes of that table (names, extra fields and comments of all entries)
   */
  public record Limits(
      long maxFileBytes, long maxTotalBytes, int maxFiles, int maxEntries, long maxDirectoryBytes) {
    public static final Limits DEFAULT = new Limits(10L << 20, 100L << 20, 5000);

    /** Entries up to four times the files (folders, {@code __MACOSX}), and a 16 MB table. */
    public Limits(long maxFileBytes, long maxTotalBytes, int maxFiles) {
      this(maxFileBytes, maxTotalBytes, maxFiles, 4 * maxFiles + 16, 16L << 20);
    }
  }

  /** One file of an uploaded folder: its path as the browser sent it, and its content. */
  public interface UploadedFile {
    String path();

    long size();

    InputStream open() throws IOException;
  }

  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;

  private final Limits limits;

  public ChallengeArchive(Limits limits) {
    this.limits = limits;
  }

  public Limits limits() {
    return limits;
  }

  /**
   * Unpacks an uploaded zip into {@code into}. A zip holding one folder (as "compress folder"
   * makes) is unpacked without that folder level.
   */
  public void unzip(Path zip, Path into) throws IOException {
    // Limits first: the table of contents is walked in constant memory before ZipFile reads it.
    ZipDirectory.check(zip, limits.maxEntries(), limits.maxDirectoryBytes());
    List<ZipArchiveEntry> entries = new ArrayList<>();
    try (ZipFile file = ZipFile.builder().setPath(zip).get()) {
      for (Enumeration<ZipArchiveEntry> e = file.getEntries(); e.hasMoreElements(); ) {
        ZipArchiveEntry entry = e.nextElement();
        if (entry.getName().startsWith("__MACOSX/")) {
          continue; // macOS's resource forks, not part of the challenge
        }
        check(entry);
        entries.add(entry);
      }
      String top = commonTop(entries.stream().map(ZipArchiveEntry::getName).toList());
      Counter counter = new Counter();
      for (ZipArchiveEntry entry : entries) {
        String name = entry.getName().substring(top.length());
        if (name.isEmpty() || entry.isDirectory()) {
          continue;
        }
        counter.file(name, entry.getSize());
        try (InputStream in = file.getInputStream(entry)) {
          copy(in, into, name, counter);
        }
      }
    } catch (java.util.zip.ZipException | IllegalArgumentException e) {
      throw ProblemException.badInput(
          "file", "the upload is not a readable zip file: " + e.getMessage());
    }
  }

  /** Stores an uploaded folder's files under {@code into}, without the folder's own name. */
  public void unpackFolder(List<? extends UploadedFile> files, Path into) throws IOException {
    String top = commonTop(files.stream().map(UploadedFile::path).toList());
    Counter counter = new Counter();
    for (UploadedFile f : files) {
      safePath(f.path());
      String name = f.path().substring(top.length());
      counter.file(name, f.size());
      try (InputStream in = f.open()) {
        copy(in, into, name, counter);
      }
    }
  }

  /** Writes a challenge's files as a zip with one top folder named by its id. */
  public static void zip(ChallengeStore store, String id, OutputStream out) throws IOException {
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ChallengeStore.StoredFile f : store.files(id)) {
        zip.putNextEntry(new ZipEntry(id + "/" + f.path()));
        zip.write(store.read(id, f.path()).orElse(new byte[0]));
        zip.closeEntry();
      }
    }
  }

  private void check(ZipArchiveEntry entry) {
    String name = entry.getName();
    safePath(name);
    int type = entry.getUnixMode() & S_IFMT;
    if (entry.isUnixSymlink() || type == S_IFLNK) {
      throw ProblemException.badInput(
          "file", "'" + name + "' is a symbolic link; challenges may hold only files and folders");
    }
    if (entry.getPlatform() == ZipArchiveEntry.PLATFORM_UNIX
        && type != 0
        && type != S_IFREG
        && type != S_IFDIR) {
      throw ProblemException.badInput(
          "file",
          "'" + name + "' is a device or special file; challenges may hold only files and folders");
    }
    if (entry.getSize() > limits.maxFileBytes()) {
      throw tooLarge(name);
    }
  }

  private static void safePath(String name) {
    String n = name.replace('\\', '/');
    if (n.startsWith("/")
        || n.matches("^[A-Za-z]:.*")
        || List.of(n.split("/")).contains("..")
        || n.contains("\0")) {
      throw ProblemException.badInput(
          "file", "'" + name + "' would be written outside the challenge folder; refused");
    }
  }

  /** "x/" when every path is inside folder x and x holds no challenge.yaml's sibling at root. */
  private static String commonTop(List<String> names) {
    Set<String> tops = new HashSet<>();
    for (String n : names) {
      int slash = n.indexOf('/');
      tops.add(slash < 0 ? "" : n.substring(0, slash + 1));
    }
    if (tops.size() == 1 && !tops.contains("")) {
      return tops.iterator().next();
    }
    return "";
  }

  private void copy(InputStream in, Path into, String name, Counter counter) throws IOException {
    Path target = into.resolve(name).normalize();
    if (!target.startsWith(into)) {
      throw ProblemException.badInput(
          "file", "'" + name + "' would be written outside the challenge folder; refused");
    }
    Files.createDirectories(target.getParent());
    try (OutputStream out = Files.newOutputStream(target)) {
      byte[] buffer = new byte[64 * 1024];
      long written = 0;
      for (int n; (n = in.read(buffer)) > 0; ) {
        written += n;
        counter.bytes(name, n);
        if (written > limits.maxFileBytes()) {
          throw tooLarge(name); // sizes in a zip's directory can lie; count what comes out
        }
        out.write(buffer, 0, n);
      }
    }
  }

  private ProblemException tooLarge(String name) {
    return ProblemException.badInput(
        "file",
        "'"
            + name
            + "' is larger than "
            + (limits.maxFileBytes() >> 20)
            + " MB, the limit for one file");
  }

  /** Totals of one upload. */
  private final class Counter {
    long total;
    int files;

    void file(String name, long size) {
      if (++files > limits.maxFiles()) {
        throw ProblemException.badInput(
            "file", "the upload holds more than " + limits.maxFiles() + " files");
      }
      if (size > limits.maxFileBytes()) {
        throw tooLarge(name);
      }
    }

    void bytes(String name, long n) {
      total += n;
      if (total > limits.maxTotalBytes()) {
        throw ProblemException.badInput(
            "file",
            "the upload is larger than "
                + (limits.maxTotalBytes() >> 20)
                + " MB in all (reached at '"
                + name
                + "')");
      }
    }
  }
}
