package dev.prequel.testing;

import dev.prequel.archive.Archive;
import dev.prequel.archive.GitArchiveStore;
import dev.prequel.archive.SnapshotPolicy;
import dev.prequel.archive.Snapshots;
import dev.prequel.challenge.ChallengeArchive;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.challenge.FolderChallengeStore;
import dev.prequel.challenge.HostTools;
import dev.prequel.interview.Cleaner;
import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Interviews;
import dev.prequel.interview.Lifecycle;
import dev.prequel.interview.Ownership;
import dev.prequel.interview.Reconciler;
import dev.prequel.interview.TakeHomeStore;
import dev.prequel.interview.TakeHomes;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The lifecycle with everything around it real (database, challenges, state machine) except time,
 * which the test moves, and the runtime, which is in memory. Work runs on the calling thread, so
 * each call has finished its steps when it returns.
 */
public final class LifecycleHarness implements AutoCloseable {

  public static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  public static final Duration LEAD = Duration.ofMinutes(2);

  /**
   * One host-tools check for every harness in this JVM, remembering on the real clock: each check
   * runs Python to import pandas and nbconvert (about 3 s), and a new one per test, on a test clock
   * that jumps by minutes, made the lifecycle tests spend most of their time there.
   */
  private static final HostTools HOST_TOOLS = new HostTools(java.time.Clock.systemUTC());

  public final MutableClock clock = new MutableClock(T0);
  public final ManualTimers timers = new ManualTimers(clock);
  public final FakeRuntime runtime = new FakeRuntime(clock);
  public final InterviewEvents events = new InterviewEvents();
  public final List<Interview> published = new CopyOnWriteArrayList<>();
  public volatile boolean ready = true;

  /** How long a workspace may take to answer; set before {@link #restart}. */
  public Duration readyTimeout = Duration.ofMillis(200);

  /** Where the lifecycle's steps run: the calling thread unless a test sets a pool and restarts. */
  public java.util.concurrent.Executor workers = Runnable::run;

  /** Which interviews the lifecycle works on: all, unless a test sets leases and restarts. */
  public Ownership ownership = Ownership.single();

  public final Database db;
  public final InterviewStore store;
  public final ChallengeLibrary challenges;
  public Lifecycle lifecycle;
  public Interviews interviews;

  /** Spare workspaces kept started; set before {@link #restart}, then start {@link #pool}. */
  public int poolSize = 0;

  public dev.prequel.pool.WarmPool pool;
  public TakeHomes takeHomes;
  public final TakeHomeStore takeHomeStore;
  public Reconciler reconciler;

  /** The real git-backed store in the test's folder, which a test can take down and bring back. */
  public final SwitchableArchiveStore archiveStore;

  public Snapshots snapshots;
  public Archive archive;

  public LifecycleHarness(Path dataDir) {
    this(dataDir, Database.openEmbedded(dataDir));
  }

  /** Over a database the test opened (PostgreSQL, or one several harnesses share). */
  public LifecycleHarness(Path dataDir, Database db) {
    this.db = db;
    archiveStore = new SwitchableArchiveStore(new GitArchiveStore(dataDir.resolve("archive")));
    store = new InterviewStore(db.jdbi(), secretBox(dataDir));
    takeHomeStore = new TakeHomeStore(db.jdbi());
    challenges =
        new ChallengeLibrary(
            new FolderChallengeStore(Path.of("challenges")),
            new ChallengeRecords(db.jdbi()),
            HOST_TOOLS,
            new ChallengeArchive(ChallengeArchive.Limits.DEFAULT),
            dataDir.resolve("uploads"),
            clock);
    events.subscribe(published::add);
    new dev.prequel.interview.CandidateClocks(
            runtime, takeHomeStore, id -> "http://" + id + ".test/_prequel/submit")
        .follow(events);
    restart();
  }

  /** New lifecycle objects over the same database and runtime, as after Prequel restarts. */
  public void restart() {
    snapshots =
        new Snapshots(
            archiveStore,
            runtime,
            new SnapshotPolicy(SnapshotPolicy.DEFAULT_EXCLUDED, SnapshotPolicy.DEFAULT_MAX_BYTES),
            clock);
    // off unless a test sets poolSize: every workspace starts cold
    pool = new dev.prequel.pool.WarmPool(runtime, poolSize, w -> true, Duration.ofSeconds(5));
    lifecycle = replica(ownership, timers, workers);
    archive = new Archive(store, archiveStore, lifecycle, clock);
    interviews =
        new Interviews(
            store,
            takeHomeStore,
            challenges,
            lifecycle,
            events,
            clock,
            new Interviews.Limits(30, 240));
    takeHomes =
        new TakeHomes(store, takeHomeStore, interviews, challenges, lifecycle, events, clock);
    reconciler = new Reconciler(store, runtime, lifecycle, new Cleaner(runtime, snapshots));
  }

  /**
   * Another replica's lifecycle over the same database, runtime and challenges, with its own
   * timers, workers and ownership.
   */
  public Lifecycle replica(
      Ownership ownership,
      dev.prequel.schedule.Timers timers,
      java.util.concurrent.Executor workers) {
    return new Lifecycle(
        store,
        challenges,
        runtime,
        id -> ready && runtime.answers(id), // only a running, started workspace answers
        events,
        timers,
        workers,
        clock,
        LEAD,
        readyTimeout,
        snapshots,
        pool,
        ownership);
  }

  public Interview get(String id) {
    return store.find(id).orElseThrow();
  }

  @Override
  public void close() {
    pool.stop(true);
    db.close();
  }

  /** A box whose key is kept in the test's data folder, as Prequel keeps its own. */
  private static dev.prequel.store.SecretBox secretBox(Path dataDir) {
    try {
      return dev.prequel.store.SecretBox.load(null, dataDir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
