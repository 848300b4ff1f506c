package dev.prequel.archive;

import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Lifecycle;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What interviewers do with interviews' archives: look through the timeline, compare, download,
 * delete, and (as a last resort) discard work the archive could not take.
 */
public final class Archive {

  private static final Logger log = LoggerFactory.getLogger(Archive.class);

  /** The most of one file a preview shows. */
  public static final int PREVIEW_BYTES = 256 * 1024;

  private final InterviewStore interviews;
  private final ArchiveStore store;
  private final Lifecycle lifecycle;
  private final Clock clock;

  public Archive(InterviewStore interviews, ArchiveStore store, Lifecycle lifecycle, Clock clock) {
    this.interviews = interviews;
    this.store = store;
    this.lifecycle = lifecycle;
    this.clock = clock;
  }

  /** Oldest first. */
  public List<Snapshot> snapshots(String interviewId) {
    interview(interviewId);
    return store.snapshots(interviewId);
  }

  /** The given snapshot, or the latest when {@code snapshotId} is null or blank. */
  public Snapshot snapshot(String interviewId, String snapshotId) {
    List<Snapshot> all = snapshots(interviewId);
    if (snapshotId == null || snapshotId.isBlank()) {
      if (all.isEmpty()) {
        throw ProblemException.notFound("interview " + interviewId + " has no snapshot yet");
      }
      return all.get(all.size() - 1);
    }
    return all.stream()
        .filter(s -> s.id().equals(snapshotId.strip()))
        .findFirst()
        .orElseThrow(
            () ->
                ProblemException.notFound(
                    "interview "
                        + interviewId
                        + " has no snapshot '"
                        + snapshotId
                        + "'; GET /api/v1/interviews/"
                        + interviewId
                        + "/snapshots lists them"));
  }

  public List<SnapshotFile> files(String interviewId, Snapshot snapshot) {
    return store.files(interviewId, snapshot.id());
  }

  public Optional<byte[]> preview(String interviewId, Snapshot snapshot, String path) {
    return store.read(interviewId, snapshot.id(), path, PREVIEW_BYTES);
  }

  /** Changes from {@code from} (null: an empty workspace) to {@code to}. */
  public List<FileChange> diff(String interviewId, Snapshot from, Snapshot to) {
    return store.diff(interviewId, from == null ? null : from.id(), to.id());
  }

  public void writeZip(String interviewId, Snapshot snapshot, OutputStream out) throws IOException {
    store.writeZip(interviewId, snapshot.id(), out);
  }

  /**
   * Deletes an ended interview's record and archive, for good. Refused while it is live, and while
   * its files still wait for the archive.
   */
  public void delete(String interviewId) {
    Interview i = interview(interviewId);
    if (!i.status().isFinal()) {
      throw ProblemException.conflict(
          "interview "
              + interviewId
              + " is "
              + i.status().wireName()
              + "; only an ended interview can be deleted (destroy it first)");
    }
    if (interviews.archiveState(interviewId).isPresent()) {
      throw ProblemException.conflict(
          "interview "
              + interviewId
              + "'s files are waiting for the archive; discard them first if they are not wanted");
    }
    store.delete(interviewId); // first: a crash in between leaves a record to delete again
    interviews.delete(interviewId);
    log.info("interview {}: deleted with its archive", interviewId);
  }

  /**
   * Lets a destroy go on without its final snapshot, when the archive cannot take it and the
   * operator decides the files are not worth keeping.
   */
  public Interview discardUnarchived(String interviewId) {
    interview(interviewId);
    if (!interviews.archiveState(interviewId).filter("waiting"::equals).isPresent()) {
      throw ProblemException.conflict(
          "interview " + interviewId + " has no files waiting for the archive");
    }
    interviews.setArchiveState(interviewId, "discard");
    interviews.appendLog(
        interviewId, clock.instant(), "an operator chose to discard the unarchived files");
    log.warn("interview {}: unarchived files discarded by an operator", interviewId);
    lifecycle.request(interviewId);
    return interview(interviewId);
  }

  /** Whether the interview's files wait for the archive. */
  public boolean waitingForArchive(String interviewId) {
    return interviews.archiveState(interviewId).filter("waiting"::equals).isPresent();
  }

  /**
   * Deletes ended interviews (record and archive) whose last change is older than {@code before}.
   */
  public int deleteEndedBefore(Instant before) {
    int deleted = 0;
    for (Interview i :
        interviews.listUpdatedBefore(
            java.util.EnumSet.of(
                dev.prequel.interview.Status.DESTROYED,
                dev.prequel.interview.Status.CANCELLED,
                dev.prequel.interview.Status.ERROR),
            before)) {
      try {
        delete(i.id());
        deleted++;
      } catch (RuntimeException e) {
        log.warn("interview {}: retention could not delete it: {}", i.id(), e.getMessage());
      }
    }
    return deleted;
  }

  private Interview interview(String id) {
    return interviews
        .find(id)
        .orElseThrow(() -> ProblemException.notFound("no interview with id '" + id + "'"));
  }
}
