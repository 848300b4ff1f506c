package dev.prequel.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where interviews' snapshot timelines are kept. {@link GitArchiveStore} keeps one bare git
 * repository per interview in a folder; an S3-backed store can implement the same operations.
 * Failures to reach the store are {@link ArchiveUnavailableException}s.
 */
public interface ArchiveStore {

  /** What a snapshot is, besides its files. */
  record Request(
      Instant takenAt, String reason, List<String> leftOut, List<String> skippedFolders) {}

  /** Feeds a snapshot's files to the store. */
  @FunctionalInterface
  interface FileFeed {
    void feedTo(FileSink sink) throws IOException;
  }

  /** Takes one file of a snapshot. */
  @FunctionalInterface
  interface FileSink {
    void add(String path, boolean executable, InputStream content) throws IOException;
  }

  /**
   * Records the files as the interview's newest snapshot. When they equal the newest snapshot's,
   * nothing is written and that snapshot is returned: an unchanged workspace costs nothing. The one
   * exception is the first {@link Snapshot#FINAL} snapshot, always recorded: it closes the
   * timeline, and later non-final snapshots are ignored (a periodic one racing with the end of the
   * interview must not follow it).
   */
  Snapshot record(String interviewId, Request request, FileFeed files);

  /** The interview's snapshots, oldest first; empty when it has none. */
  List<Snapshot> snapshots(String interviewId);

  /** The files of one snapshot, by path. */
  List<SnapshotFile> files(String interviewId, String snapshotId);

  /** Up to {@code limit} bytes of one file of a snapshot; empty when it has no such file. */
  Optional<byte[]> read(String interviewId, String snapshotId, String path, int limit);

  /**
   * What changed from one snapshot to another; {@code fromId} null compares with an empty
   * workspace.
   */
  List<FileChange> diff(String interviewId, String fromId, String toId);

  /** Writes one snapshot as a zip archive. */
  void writeZip(String interviewId, String snapshotId, OutputStream out) throws IOException;

  /** Removes the interview's whole timeline. Safe when there is none. */
  void delete(String interviewId);
}
