package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What the local runtime does with a workspace's files: copies a challenge in, reads the files out
 * for snapshots, removes them. Files cross into and out of the workspace only as tar streams
 * ({@link WorkspaceFiles}); what root still does to the folder tree it does without following links
 * ({@link SecureTree}).
 */
final class CandidateFiles {

  private static final String CHALLENGE_METADATA = "challenge.yaml";

  /**
   * Written (in the interview's own folder, which the candidate cannot reach) when provision makes
   * the workspace anew; the first setup takes it. Only a setup that took it may fill the reuse
   * cache: no candidate can have touched that workspace yet.
   */
  private static final String FRESH = "fresh-workspace";

  private final WorkspaceFiles files;

  CandidateFiles(WorkspaceFiles files) {
    this.files = files;
  }

  WorkspaceFiles files() {
    return files;
  }

  /** Before provision makes the folders: remembers whether the workspace is made anew. */
  static void markIfFresh(InterviewFolder folder) throws IOException {
    if (!Files.exists(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(folder.root());
      Files.writeString(folder.root().resolve(FRESH), "");
    } else {
      // Started again over files that survived a stop: whoever used it before may have been in.
      Files.deleteIfExists(folder.root().resolve(FRESH));
    }
  }

  /** Whether the workspace was made anew and had no setup yet; true only once. */
  static boolean takeFresh(InterviewFolder folder) throws IOException {
    return Files.deleteIfExists(folder.root().resolve(FRESH));
  }

  /**
   * Copies the challenge's files (all but its metadata) into the workspace; files already there are
   * kept (the candidate may have changed them).
   */
  void copyChallenge(InterviewFolder folder, Path challengeFiles, Consumer<String> log)
      throws IOException, InterruptedException {
    Files.createDirectories(folder.workspace());
    int sent;
    try (Stream<Path> walk = Files.walk(challengeFiles)) {
      sent =
          (int)
              walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                  .filter(p -> !challengeFiles.relativize(p).toString().equals(CHALLENGE_METADATA))
                  .count();
    }
    int kept =
        files.unpack(
            folder,
            WorkspaceFiles.Place.WORKSPACE,
            FolderTar.of(challengeFiles, name -> !name.equals(CHALLENGE_METADATA)));
    log.accept(
        "copied "
            + (sent - kept)
            + " challenge files into the workspace"
            + (kept > 0 ? ", kept " + kept + " existing" : ""));
  }

  /**
   * Hands the workspace's regular files to the visitor, from a tar stream of the workspace; links,
   * FIFOs, devices and sockets never reach it. Says so when the stream was cut at a bound.
   */
  boolean read(InterviewFolder folder, WorkspaceFileVisitor visitor)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Optional<String> cut =
        files.pack(
            folder,
            List.of(),
            visitor.excludedFolderNames(),
            WorkspaceFiles.Bounds.SNAPSHOT,
            entries -> visit(entries, visitor));
    cut.ifPresent(visitor::truncated);
    return true;
  }

  /** Lists the workspace's regular files without reading them; false when it has none. */
  boolean list(InterviewFolder folder, Set<String> excludedNames, Consumer<WorkspaceFile> out)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Optional<String> cut = files.list(folder, excludedNames, WorkspaceFiles.Bounds.SEAT, out);
    if (cut.isPresent()) {
      throw new IOException("the listing stopped early: " + cut.get());
    }
    return true;
  }

  /**
   * Hands the visitor only the named regular files. A name that became a folder is read no further
   * than the seat's bounds allow, and its files are not handed over.
   */
  boolean read(InterviewFolder folder, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    if (paths.isEmpty()) {
      return true;
    }
    Optional<String> cut =
        files.pack(
            folder,
            List.copyOf(paths),
            Set.of(),
            WorkspaceFiles.Bounds.SEAT,
            entries -> {
              for (TarEntries.Entry e; (e = entries.next()) != null; ) {
                if (e.kind() == TarEntries.Kind.FILE && paths.contains(e.name())) {
                  InputStream content = new KeptOpen(entries.content());
                  visitor.file(e.name(), e.size(), e.executable(), () -> content);
                }
              }
            });
    cut.ifPresent(visitor::truncated);
    return true;
  }

  private static void visit(TarEntries entries, WorkspaceFileVisitor visitor) throws IOException {
    List<String> refused = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (TarEntries.Entry e; (e = entries.next()) != null; ) {
      String name = e.name();
      if (refused.stream().anyMatch(name::startsWith)) {
        continue;
      }
      switch (e.kind()) {
        case FOLDER -> {
          if (!visitor.enterFolder(name)) {
            refused.add(name + "/");
          }
        }
        case FILE -> {
          // Two names that differ only in bytes that are no UTF-8 read alike: the first one wins.
          if (seen.add(name)) {
            InputStream content = new KeptOpen(entries.content());
            visitor.file(name, e.size(), e.executable(), () -> content);
          }
        }
        case SYMLINK, OTHER -> {
          // never followed, never read
        }
      }
    }
  }

  /**
   * Removes the candidate's files and then the rest of the interview's folder, after its processes
   * were stopped, without following anything the candidate made.
   */
  static void delete(InterviewFolder folder) throws IOException {
    // Renamed first (a rename in root's own folder): a crash halfway through deleting must not
    // leave half the files for a snapshot.
    Path removed = folder.root().resolve("workspace.removed");
    if (Files.exists(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      SecureTree.delete(removed);
      Files.move(folder.workspace(), removed, StandardCopyOption.ATOMIC_MOVE);
    }
    SecureTree.delete(removed);
    SecureTree.delete(folder.root());
  }

  /** The tar stream stays open when a reader closes one file's content. */
  private static final class KeptOpen extends FilterInputStream {
    KeptOpen(InputStream in) {
      super(in);
    }

    @Override
    public void close() {
      // the next entry follows in the same stream
    }
  }
}
