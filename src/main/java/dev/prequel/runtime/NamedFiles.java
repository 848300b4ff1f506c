package dev.prequel.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The other half of the cheap look at a workspace ({@link FindListing} is the first): GNU tar, run
 * as the workspace's user where the workspace is, archiving only the named files (the ones whose
 * version changed), read back into a {@link WorkspaceFileVisitor} within the seat's bounds.
 */
public final class NamedFiles {

  /** How many characters of names one command line carries (far below any ARG_MAX). */
  public static final int BATCH_CHARS = 96 * 1024;

  private NamedFiles() {}

  /**
   * tar's command line up to the names: only the named entries (a name that became a folder comes
   * bare, with nothing below it), a hard link's content, no other file system, names taken as they
   * are; a name that is gone or unreadable is left out, not fatal. Links are archived as links,
   * never followed.
   */
  public static List<String> tar(String root) {
    return new ArrayList<>(
        List.of(
            "tar",
            "-c",
            "-f",
            "-",
            "--format=gnu",
            "--no-recursion",
            "--hard-dereference",
            "--one-file-system",
            "--ignore-failed-read",
            "--no-unquote",
            "--warning=no-file-changed",
            "--warning=no-file-removed",
            "-C",
            root));
  }

  /** A path as tar gets it: relative, without "..", never an option. */
  public static String name(String path) {
    String p = path;
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.isEmpty() || p.startsWith("/") || List.of(p.split("/", -1)).contains("..")) {
      throw new IllegalArgumentException("not a path inside the workspace: " + path);
    }
    return "./" + p;
  }

  /** The names, as tar gets them, in batches of at most {@link #BATCH_CHARS} characters. */
  public static List<List<String>> batches(Set<String> paths) {
    List<List<String>> batches = new ArrayList<>();
    List<String> batch = new ArrayList<>();
    int chars = 0;
    for (String path : paths) {
      String name = name(path);
      if (!batch.isEmpty() && chars + name.length() > BATCH_CHARS) {
        batches.add(batch);
        batch = new ArrayList<>();
        chars = 0;
      }
      batch.add(name);
      chars += name.length() + 1;
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }

  /** The names for {@code tar --null -T -}: each ended by a NUL, the one byte no name holds. */
  public static byte[] nulSeparated(Set<String> paths) {
    StringBuilder b = new StringBuilder();
    for (String path : paths) {
      b.append(name(path)).append('\0');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Hands the visitor the regular files of tar's stream that were asked for; links, folders and
   * anything else never reach it. Stops (telling the visitor) past the seat's bounds: a file may
   * have grown since the listing, and a name may have become a folder.
   */
  public static void read(InputStream tar, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    Set<String> wanted = Set.copyOf(paths);
    WorkspaceTarReader.visit(
        tar,
        new WorkspaceFileVisitor() {
          @Override
          public boolean enterFolder(String path) {
            return true; // --no-recursion: a folder comes bare
          }

          @Override
          public void truncated(String why) {
            visitor.truncated(why);
          }

          @Override
          public void file(String path, long size, boolean executable, Content content)
              throws IOException {
            if (wanted.contains(path)) {
              visitor.file(path, size, executable, content);
            }
          }
        },
        NamedFiles::relative,
        new WorkspaceTarReader.Bounds(
            paths.size() + 1, FindListing.MAX_BYTES, FindListing.MAX_TIME));
  }

  /**
   * The entry's name relative to the folder tar ran in ({@code ./a/b} as tar writes it), decoded as
   * UTF-8 leniently; null for the folder itself and for names that would leave it.
   */
  public static String relative(String latin1) {
    String name =
        new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
            .replaceAll("/+$", "");
    if (name.startsWith("./")) {
      name = name.substring(2);
    }
    if (name.isEmpty() || name.equals(".")) {
      return null;
    }
    for (String part : name.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    return name;
  }
}
