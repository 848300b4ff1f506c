package dev.prequel.seat;

import dev.prequel.archive.SnapshotPolicy;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.interview.Interviews;
import dev.prequel.runtime.WorkspaceRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interviewer's live seat (issue 17, 3): a read-only view of a running workspace's files and
 * how they differ from the challenge's. While somebody watches an interview's seat, its workspace
 * is listed every {@link #EVERY} through {@link WorkspaceRuntime#listFiles} (as the workspace's
 * user, without reading bytes where the runtime can) and only the files whose version changed are
 * read; when the last watcher leaves, the looking stops and what the seat kept is dropped. The
 * candidate's IDE is never touched: the seat reads the workspace's files, not code-server.
 */
public final class Seat implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Seat.class);

  /** How often a watched workspace is looked at. */
  public static final Duration EVERY = Duration.ofSeconds(2);

  /** A seat page rendered without a watcher after it is kept this long, for its watcher. */
  private static final Duration UNWATCHED = Duration.ofMinutes(1);

  /** Where an interview's challenge files are (Prequel's own folder), if it still has them. */
  @FunctionalInterface
  public interface Challenges {
    Optional<Path> startingFiles(String interviewId) throws IOException;
  }

  /** Told after each look at a watched workspace. Must return at once (it runs on the looker). */
  @FunctionalInterface
  public interface Watcher {
    void looked(long version, boolean changed);
  }

  /** One watcher's place at the seat; closing it leaves. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  private static final class Watched {
    final SeatState state;
    final Set<Watcher> watchers = new CopyOnWriteArraySet<>();
    volatile ScheduledFuture<?> looking;
    volatile Instant lastUsed;

    Watched(SeatState state, Instant now) {
      this.state = state;
      this.lastUsed = now;
    }
  }

  private final WorkspaceRuntime runtime;
  private final Challenges challenges;
  private final Set<String> excluded;
  private final Clock clock;
  private final Map<String, Watched> seats = new ConcurrentHashMap<>();
  private final ScheduledExecutorService looker =
      Executors.newScheduledThreadPool(
          1,
          r -> {
            Thread t = new Thread(r, "prequel-seat");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param excluded folder names never listed (dependency and build folders: the snapshots' own)
   * @param clock when the seat looked, and how long an unwatched seat is kept
   */
  public Seat(WorkspaceRuntime runtime, Challenges challenges, Set<String> excluded, Clock clock) {
    this.runtime = runtime;
    this.challenges = challenges;
    this.excluded = Set.copyOf(excluded);
    this.clock = clock;
    var unused = looker.scheduleWithFixedDelay(this::forgetUnwatched, 30, 30, TimeUnit.SECONDS);
  }

  /**
   * The seat as Prequel runs it: an interview starts from its challenge's files, and the seat skips
   * the folders snapshots skip (dependencies, builds).
   */
  public static Seat of(
      WorkspaceRuntime runtime,
      Interviews interviews,
      ChallengeLibrary challenges,
      SnapshotPolicy policy,
      Clock clock) {
    return new Seat(
        runtime,
        id -> Optional.of(challenges.files(interviews.get(id).challengeId())),
        policy.excludedFolders(),
        clock);
  }

  /**
   * What the seat shows now. Unless a watcher keeps it fresh, the workspace is looked at first (at
   * most once per {@link #EVERY}, however many views ask).
   */
  public SeatView view(String interviewId, String opened) {
    Watched w = seat(interviewId);
    w.lastUsed = clock.instant();
    synchronized (w.state) {
      Instant at = w.state.lookedAt();
      if (at == null || (w.looking == null && at.isBefore(clock.instant().minus(EVERY)))) {
        w.state.look(runtime, excluded, clock.instant());
      }
    }
    return w.state.view(opened);
  }

  /** Starts watching: the workspace is looked at every {@link #EVERY} until the watch closes. */
  public Watch watch(String interviewId, Watcher watcher) {
    Watched w = seat(interviewId);
    synchronized (w) {
      w.watchers.add(watcher);
      if (w.looking == null) {
        w.looking =
            looker.scheduleWithFixedDelay(
                () -> lookAt(w), 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return () -> leave(w, watcher);
  }

  /** How many interviews' workspaces are being looked at (for tests and health). */
  public int watchedSeats() {
    return (int) seats.values().stream().filter(w -> w.looking != null).count();
  }

  private void leave(Watched w, Watcher watcher) {
    synchronized (w) {
      w.watchers.remove(watcher);
      if (w.watchers.isEmpty() && w.looking != null) {
        w.looking.cancel(false);
        w.looking = null;
        // Nobody watches: the looking stops now, what it kept goes a minute later (a reload of
        // the page reconnects within that minute, and need not read every file again).
        w.lastUsed = clock.instant();
      }
    }
  }

  private void lookAt(Watched w) {
    try {
      boolean changed;
      long version;
      synchronized (w.state) {
        changed = w.state.look(runtime, excluded, clock.instant());
        version = w.state.version();
      }
      w.lastUsed = clock.instant();
      for (Watcher watcher : w.watchers) {
        watcher.looked(version, changed);
      }
    } catch (RuntimeException e) {
      log.warn("the seat could not look at a workspace", e); // the next look tries again
    }
  }

  private Watched seat(String interviewId) {
    return seats.computeIfAbsent(
        interviewId, id -> new Watched(new SeatState(id, startingFiles(id)), clock.instant()));
  }

  private Map<String, Held> startingFiles(String interviewId) {
    try {
      return StartingFiles.read(
          challenges.startingFiles(interviewId).orElse(null), excluded, SeatState.MAX_FILE_BYTES);
    } catch (IOException e) {
      // The diff then shows every file as added; the files themselves are still there.
      log.warn("the seat could not read the challenge's starting files: {}", e.toString());
      return Map.of();
    }
  }

  private void forgetUnwatched() {
    Instant before = clock.instant().minus(UNWATCHED);
    seats.forEach(
        (id, w) -> {
          synchronized (w) {
            if (w.looking == null && w.lastUsed.isBefore(before)) {
              seats.remove(id, w);
            }
          }
        });
  }

  @Override
  public void close() {
    looker.shutdownNow();
  }
}
