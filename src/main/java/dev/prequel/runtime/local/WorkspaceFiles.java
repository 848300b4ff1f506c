package dev.prequel.runtime.local;

import dev.prequel.runtime.FindListing;
import dev.prequel.runtime.WorkspaceFile;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Moves files into and out of a workspace as tar streams, the way a container runtime does. With a
 * sandbox ({@link SandboxTar}) the work inside the workspace is done by GNU tar as the workspace's
 * own user inside its sandbox, so Prequel (root) never opens, writes or walks a path the candidate
 * can change; without one ({@link HostFiles}) plain Java does it, as Prequel's user, which is the
 * candidate's user too.
 */
interface WorkspaceFiles {

  /** A folder of the workspace that files go into or come out of. */
  enum Place {
    /** The candidate's files ({@code /workspace} in the sandbox). */
    WORKSPACE,
    /** The candidate's home ({@code /home/candidate} in the sandbox). */
    HOME
  }

  /** Writes a tar stream (the source is trusted: Prequel builds it). */
  @FunctionalInterface
  interface TarSource {
    void writeTo(TarArchiveOutputStream out) throws IOException;

    /** Writes the whole stream: the entries, in GNU tar's format for long names and big sizes. */
    default void writeTar(TarArchiveOutputStream out) throws IOException {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      writeTo(out);
      out.finish();
    }
  }

  /** Reads a tar stream out of a workspace (untrusted: names and sizes are the candidate's). */
  @FunctionalInterface
  interface TarSink {
    void readFrom(TarEntries entries) throws IOException;
  }

  /**
   * How much one read may take before it stops: entries, bytes of the stream, and time. A read that
   * reaches one says so instead of failing: what came before is kept.
   */
  record Bounds(int maxEntries, long maxBytes, Duration maxTime) {

    /** A snapshot: a candidate's million files or a 20 GB file must not hold Prequel up. */
    static final Bounds SNAPSHOT =
        new Bounds(100_000, 2L * 1024 * 1024 * 1024, Duration.ofMinutes(3));

    /** A project's package files (package.json and its lockfile), read for the host's npm. */
    static final Bounds PROJECT_FILES = new Bounds(10, 64L * 1024 * 1024, Duration.ofMinutes(1));

    /** The reuse cache: dependency folders hold many files (node_modules: tens of thousands). */
    static final Bounds REUSE_CACHE =
        new Bounds(500_000, 4L * 1024 * 1024 * 1024, Duration.ofMinutes(5));

    /**
     * The interviewer's seat, every few seconds while someone watches: a listing, or the few files
     * that changed since the last one.
     */
    static final Bounds SEAT =
        new Bounds(FindListing.MAX_FILES, FindListing.MAX_BYTES, FindListing.MAX_TIME);
  }

  /**
   * Unpacks {@code source} into the place. Files and folders already there are kept (the candidate
   * may have changed them); new ones belong to the workspace's user.
   *
   * @return how many regular files the stream held that were already there (and kept)
   */
  int unpack(InterviewFolder folder, Place place, TarSource source)
      throws IOException, InterruptedException;

  /**
   * Streams the files under {@code paths} (relative to the workspace; empty: all of it) to the
   * sink, leaving out what is below a folder named in {@code excludedNames} at any depth (the
   * folder itself still comes, empty, so that readers see it was there).
   *
   * @return why the stream stopped early (a bound reached), or empty when it came whole
   */
  Optional<String> pack(
      InterviewFolder folder,
      List<String> paths,
      Set<String> excludedNames,
      Bounds bounds,
      TarSink sink)
      throws IOException, InterruptedException;

  /**
   * Lists the workspace's regular files without reading them, leaving out what is below a folder
   * named in {@code excludedNames} at any depth; links are not followed.
   *
   * @return why the listing stopped early (a bound reached), or empty when it came whole
   */
  Optional<String> list(
      InterviewFolder folder, Set<String> excludedNames, Bounds bounds, Consumer<WorkspaceFile> out)
      throws IOException, InterruptedException;

  /**
   * The end of the candidate's terminal history ({@link dev.prequel.runtime.TerminalHistory#FILE}),
   * read as the workspace's user; empty when there is none or it cannot be read.
   */
  Optional<byte[]> terminalHistory(InterviewFolder folder) throws IOException, InterruptedException;

  /** A path inside the workspace as tar should get it: relative, without "..", never an option. */
  static String checkedRelative(String path) {
    String p = path.replace('\\', '/');
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    if (p.isEmpty() || p.startsWith("/") || List.of(p.split("/", -1)).contains("..")) {
      throw new IllegalArgumentException("not a path inside the workspace: " + path);
    }
    return "./" + p;
  }
}
