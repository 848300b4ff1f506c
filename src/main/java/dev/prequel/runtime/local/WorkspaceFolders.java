package dev.prequel.runtime.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The workspaces folder: one folder per interview, and spares. A spare is a workspace folder named
 * {@code spare-…}; claiming it links the interview's id to that folder ({@code workspaces/{id} ->
 * spare-…}), a rename that survives a restart and leaves the running code-server, its sandbox
 * binds, cgroups and user untouched.
 */
final class WorkspaceFolders {

  /** Spare folders are named so; interview ids never hold a '-'. */
  static final String SPARE_PREFIX = "spare-";

  private final Path dir;

  WorkspaceFolders(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  static boolean isSpare(String name) {
    return name.startsWith(SPARE_PREFIX);
  }

  /**
   * The folder that holds this id's workspace: its own, or the spare it claimed (through the link
   * named by its id).
   */
  InterviewFolder of(String id) {
    InterviewFolder named = InterviewFolder.of(dir, id);
    if (Files.isSymbolicLink(named.root())) {
      try {
        return InterviewFolder.of(dir, linkTarget(named.root()));
      } catch (IOException | IllegalArgumentException e) {
        return named; // a broken link: nothing to find; destroy removes it
      }
    }
    return named;
  }

  /** The folder named by the id itself, never followed: a claim's link, or its own folder. */
  Path named(String id) {
    return InterviewFolder.of(dir, id).root();
  }

  /** Spares not claimed yet, by name. */
  List<String> spares() {
    Set<String> claimed = new HashSet<>();
    List<String> spares = new ArrayList<>();
    for (Entry entry : entries()) {
      if (entry.link()) {
        try {
          claimed.add(linkTarget(entry.path()));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the link " + entry.path(), e);
        }
      } else if (isSpare(entry.name())) {
        spares.add(entry.name());
      }
    }
    spares.removeAll(claimed);
    return spares;
  }

  /**
   * Whether this is the id of a spare an interview has claimed: it then names nothing (a destroy
   * through it would remove the interview's workspace).
   */
  boolean claimedSpare(String id) {
    return isSpare(id) && Files.isDirectory(named(id)) && !spares().contains(id);
  }

  /** Every interview's folder by its id, claimed spares included; not the unclaimed spares. */
  Map<String, InterviewFolder> interviews() {
    Map<String, InterviewFolder> interviews = new LinkedHashMap<>();
    for (Entry entry : entries()) {
      if (entry.link()) {
        interviews.put(entry.name(), of(entry.name()));
      } else if (!isSpare(entry.name())) {
        interviews.put(entry.name(), new InterviewFolder(entry.path()));
      }
    }
    return interviews;
  }

  /** Links {@code interviewId} to the spare; false if the id already has a folder or link. */
  boolean claim(String spareId, String interviewId) throws IOException {
    Path link = named(interviewId);
    if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      Files.createSymbolicLink(link, Path.of(spareId));
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  private record Entry(Path path, boolean link) {
    String name() {
      return path.getFileName().toString();
    }
  }

  /** Folders and links in the workspaces folder, sorted by name. */
  private List<Entry> entries() {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    try (Stream<Path> paths = Files.list(dir)) {
      for (Path path : paths.sorted().toList()) {
        if (Files.isSymbolicLink(path)) {
          entries.add(new Entry(path, true));
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          entries.add(new Entry(path, false));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list workspaces in " + dir, e);
    }
    return entries;
  }

  /** The folder name a claim's link points to (always a sibling). */
  private static String linkTarget(Path link) throws IOException {
    return Files.readSymbolicLink(link).getFileName().toString();
  }
}
