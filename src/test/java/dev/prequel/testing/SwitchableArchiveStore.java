package dev.prequel.testing;

import dev.prequel.archive.ArchiveStore;
import dev.prequel.archive.ArchiveUnavailableException;
import dev.prequel.archive.FileChange;
import dev.prequel.archive.Snapshot;
import dev.prequel.archive.SnapshotFile;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/** An archive store that a test can make unavailable (as a full disk or an S3 outage would). */
public final class SwitchableArchiveStore implements ArchiveStore {

  private final ArchiveStore real;
  public volatile boolean down;
  public final java.util.concurrent.atomic.AtomicInteger refused =
      new java.util.concurrent.atomic.AtomicInteger();

  public SwitchableArchiveStore(ArchiveStore real) {
    this.real = real;
  }

  private void check() {
    if (down) {
      refused.incrementAndGet();
      throw new ArchiveUnavailableException(
          "the archive store is unavailable (test)", new IOException("No space left on device"));
    }
  }

  @Override
  public Snapshot record(String interviewId, Request request, FileFeed files) {
    check();
    return real.record(interviewId, request, files);
  }

  @Override
  public List<Snapshot> snapshots(String interviewId) {
    check();
    return real.snapshots(interviewId);
  }

  @Override
  public List<SnapshotFile> files(String interviewId, String snapshotId) {
    check();
    return real.files(interviewId, snapshotId);
  }

  @Override
  public Optional<byte[]> read(String interviewId, String snapshotId, String path, int limit) {
    check();
    return real.read(interviewId, snapshotId, path, limit);
  }

  @Override
  public List<FileChange> diff(String interviewId, String fromId, String toId) {
    check();
    return real.diff(interviewId, fromId, toId);
  }

  @Override
  public void writeZip(String interviewId, String snapshotId, OutputStream out) throws IOException {
    check();
    real.writeZip(interviewId, snapshotId, out);
  }

  @Override
  public void delete(String interviewId) {
    check();
    real.delete(interviewId);
  }
}
