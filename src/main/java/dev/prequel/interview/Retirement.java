package dev.prequel.interview;

import static dev.prequel.interview.Status.DESTROYING;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interview's side of retiring its workspace through the {@link Cleaner}: what the interview's
 * archive state asks for (the last snapshot, or an operator's discard), and, while the archive
 * cannot take the snapshot, the files kept, the interview's log and note saying so, and a retry
 * with backoff.
 */
final class Retirement {

  private static final Logger log = LoggerFactory.getLogger(Retirement.class);

  static final Duration MAX_ARCHIVE_RETRY = Duration.ofMinutes(1);

  private final InterviewStore store;
  private final Cleaner cleaner;
  private final InterviewEvents events;
  private final Clock clock;

  /** Failed attempts to archive each interview's files, for the retry backoff. */
  private final ConcurrentHashMap<String, Integer> archiveFailures = new ConcurrentHashMap<>();

  Retirement(InterviewStore store, Cleaner cleaner, InterviewEvents events, Clock clock) {
    this.store = store;
    this.cleaner = cleaner;
    this.events = events;
    this.clock = clock;
  }

  /**
   * Ends a workspace without losing the candidate's work (stop, last snapshot, remove). When the
   * archive cannot take the snapshot, the workspace stays stopped with its files kept; returns when
   * to try again then. An operator can choose to discard the files instead ({@code archive_state =
   * 'discard'}).
   */
  Optional<Duration> retire(Interview i, Consumer<String> logTo) throws Exception {
    Optional<String> state = store.archiveState(i.id());
    if (state.filter("discard"::equals).isPresent()) {
      store.appendLog(i.id(), now(), "discarding the unarchived files, as an operator asked");
      cleaner.discard(i.id(), logTo);
    } else {
      try {
        cleaner.cleanup(i.id(), WorkspaceSnapshots.FINAL, logTo);
      } catch (Cleaner.FilesKept e) {
        return Optional.of(waitForArchive(i, e.why(), state.isPresent()));
      }
    }
    archiveFailures.remove(i.id());
    if (state.isPresent()) {
      store.setArchiveState(i.id(), null);
      if (state.get().equals("waiting")) {
        store.appendLog(i.id(), now(), "the archive took the final snapshot");
      }
    }
    return Optional.empty();
  }

  /** Records that the files are kept until the archive takes them; returns when to try again. */
  private Duration waitForArchive(Interview i, String cause, boolean alreadyWaiting) {
    int failures = archiveFailures.merge(i.id(), 1, Integer::sum);
    Duration delay = Duration.ofSeconds(1L << Math.min(failures, 6));
    if (delay.compareTo(MAX_ARCHIVE_RETRY) > 0) {
      delay = MAX_ARCHIVE_RETRY;
    }
    log.warn("interview {}: waiting for archive (attempt {}): {}", i.id(), failures, cause);
    if (!alreadyWaiting) {
      store.setArchiveState(i.id(), "waiting");
      store.appendLog(
          i.id(),
          now(),
          "waiting for archive: "
              + cause
              + "; the workspace is stopped and its files are kept until the final snapshot is"
              + " stored");
      if (i.status() == DESTROYING) {
        store.setNote(i.id(), DESTROYING, "waiting for archive: " + cause, now());
      }
      store.find(i.id()).ifPresent(events::publish);
    }
    return delay;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
