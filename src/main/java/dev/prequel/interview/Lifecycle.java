package dev.prequel.interview;

import static dev.prequel.interview.Status.*;

import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.pool.WarmPool;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.WorkspaceStarting;
import dev.prequel.schedule.Timers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives each interview toward what its stored status asks for, in the manner of a Kubernetes
 * controller: {@link #request} queues an interview; a worker reads its status and takes the next
 * step, recording each transition (through {@link StateMachine}) before acting on it. Every step is
 * safe to run twice, so a crash at any point is healed by running it again. At most one worker
 * handles an interview at a time; requests arriving meanwhile make it look again.
 *
 * <p>A step never waits: it returns what should happen {@link Next}, and the worker loop ({@link
 * WorkerLoop}) applies it, with a timer when it is for later. A workspace that is slow to answer
 * thus costs a probe every {@link #PROBE_INTERVAL}, not a worker. The loop is also the one place
 * where an unexpected exception is logged, with its stack trace, and retried with backoff.
 */
public final class Lifecycle {

  private static final Logger log = LoggerFactory.getLogger(Lifecycle.class);

  /** The log context key that names the interview a line is about. */
  public static final String LOG_KEY = "interview";

  /** How often a starting workspace is asked whether it answers. */
  static final Duration PROBE_INTERVAL = Duration.ofMillis(100);

  private final InterviewStore store;
  private final ChallengeCatalog challenges;
  private final WorkspaceRuntime runtime;
  private final ReadinessProbe readiness;
  private final InterviewEvents events;
  private final Clock clock;
  private final Duration provisionLead;
  private final Duration readyTimeout;
  private final WorkspaceSnapshots snapshots;
  private final WarmPool pool;
  private final Retirement retirement;
  private final WorkerLoop loop;
  private final Ownership ownership;
  private final Restarts restarts;

  /** Steps taken in a row before the worker requeues the interview behind the others. */
  private static final int MAX_STEPS_IN_A_ROW = 20;

  /**
   * Interviews that just became active and still need their first snapshot (in memory: after a
   * crash, the next periodic snapshot becomes the baseline, as when taking it fails).
   */
  private final java.util.Set<String> baselinePending = ConcurrentHashMap.newKeySet();

  /**
   * Workspaces configured and waiting to answer, with when to give up (in memory: after a restart,
   * configuring runs again, which is safe).
   */
  private final ConcurrentHashMap<String, Starting> starting = new ConcurrentHashMap<>();

  private record Starting(Instant deadline, boolean startedAgain) {}

  /** What each interview's workspace last said it waits for ({@link WorkspaceStarting}). */
  private final ConcurrentHashMap<String, String> waitingFor = new ConcurrentHashMap<>();

  /**
   * {@code ownership} says which interviews are this Prequel's to work on: all of them ({@link
   * Ownership#single}) unless it is one of several replicas.
   */
  public Lifecycle(
      InterviewStore store,
      ChallengeCatalog challenges,
      WorkspaceRuntime runtime,
      ReadinessProbe readiness,
      InterviewEvents events,
      Timers timers,
      Executor workers,
      Clock clock,
      Duration provisionLead,
      Duration readyTimeout,
      WorkspaceSnapshots snapshots,
      WarmPool pool,
      Ownership ownership) {
    this.ownership = ownership;
    this.store = store;
    this.challenges = challenges;
    this.runtime = runtime;
    this.readiness = readiness;
    this.events = events;
    this.clock = clock;
    this.provisionLead = provisionLead;
    this.readyTimeout = readyTimeout;
    this.snapshots = snapshots;
    this.pool = pool;
    this.retirement = new Retirement(store, new Cleaner(runtime, snapshots), events, clock);
    this.loop = new WorkerLoop(this::reconcile, timers, workers, clock);
    this.restarts = new Restarts(store, runtime);
    // A workspace that starts to listen is probed at once, not at the next probe's timer.
    runtime.onListening(loop::request);
  }

  /**
   * Makes sure the interview gets looked at soon. Cheap; call it whenever something may have
   * changed.
   */
  public void request(String id) {
    loop.request(id);
  }

  /**
   * Takes steps until the interview is where its status and the clock say it should be, or it has
   * to wait (for its start time, its expiry, its workspace to answer, or the archive); returns what
   * it waits for.
   */
  Next reconcile(String id) {
    if (!ownership.acquire(id)) {
      // Another replica's: its owner looks (nudged), and this replica keeps no timer for it.
      starting.remove(id);
      ownership.nudgeOwner(id);
      return Next.idle();
    }
    Next next = reconcileOwned(id);
    if (next instanceof Next.Idle) {
      ownership.release(id); // ended, nothing left to do: nobody need hold it
    }
    return next;
  }

  private Next reconcileOwned(String id) {
    for (int steps = 0; steps < MAX_STEPS_IN_A_ROW; steps++) {
      Optional<Interview> found = store.find(id);
      if (found.isEmpty()) {
        starting.remove(id);
        waitingFor.remove(id);
        restarts.running(id);
        return Next.idle();
      }
      Interview i = found.get();
      if (i.status() != CONFIGURING) {
        starting.remove(id);
      }
      Next next;
      try {
        next = step(i);
        waitingFor.remove(id);
      } catch (WorkspaceStarting starting) {
        // A pod waiting for a node or its image: look again later (the step adopts what was
        // started), without a worker waiting on the scheduler. Said once in the interview's log.
        if (!starting.getMessage().equals(waitingFor.put(id, starting.getMessage()))) {
          store.appendLog(id, now(), starting.getMessage());
        }
        next = Next.after(starting.askAgainIn());
      } catch (Exception e) {
        next = fail(i, e);
      }
      if (!(next instanceof Next.Now)) {
        return next;
      }
    }
    return Next.now();
  }

  /** One step; returns what the interview waits for next. */
  private Next step(Interview i) throws Exception {
    Instant now = now();
    switch (i.status()) {
      case INVITED -> {
        // A take-home nobody started: its expiresAt is the end of its start window.
        if (!now.isBefore(i.expiresAt())) {
          return moveOn(i, CANCELLED, TakeHomes.WINDOW_ENDED);
        }
        return Next.at(i.expiresAt());
      }
      case SCHEDULED -> {
        if (!now.isBefore(i.expiresAt())) {
          return moveOn(i, ERROR, "its time window passed while Prequel was not running");
        }
        Instant provisionAt = i.startsAt().minus(provisionLead);
        if (now.isBefore(provisionAt)) {
          return Next.at(provisionAt);
        }
        return moveOn(i, INITIALIZING, null);
      }
      case INITIALIZING -> {
        if (expired(i, now)) {
          return moveOn(i, DESTROYING, "expired before it became active");
        }
        WorkspaceSpec spec = workspaceSpec(i);
        // A warm spare when the pool has one; else (or when it already has one) start it cold.
        if (runtime.find(i.id()).isEmpty() && !pool.claimFor(spec, logTo(i.id()))) {
          runtime.provision(spec, logTo(i.id()));
        }
        return moveOn(i, CONFIGURING, null);
      }
      case CONFIGURING -> {
        if (expired(i, now)) {
          return moveOn(i, DESTROYING, "expired before it became active");
        }
        Starting waiting = starting.get(i.id());
        if (waiting == null) {
          configure(i);
          waiting = new Starting(now.plus(readyTimeout), false);
          starting.put(i.id(), waiting);
        }
        return probe(i, waiting, now);
      }
      case ACTIVE -> {
        if (expired(i, now)) {
          return moveOn(i, DESTROYING, null);
        }
        if (baselinePending.remove(i.id())) {
          takeBaseline(i);
        }
        if (runtime.find(i.id()).isEmpty()) {
          Optional<String> givenUp = restarts.restart(i, workspaceSpec(i), logTo(i.id()), now);
          if (givenUp.isPresent()) {
            return moveOn(i, ERROR, givenUp.get());
          }
          events.publish(store.find(i.id()).orElse(i));
          return Next.at(i.expiresAt());
        }
        restarts.running(i.id());
        return Next.at(i.expiresAt());
      }
      case DESTROYING -> {
        Optional<Duration> retry = retirement.retire(i, logTo(i.id()));
        if (retry.isPresent()) {
          return Next.after(retry.get()); // waiting for the archive
        }
        return moveOn(i, DESTROYED, null);
      }
      case DESTROYED, CANCELLED, ERROR -> {
        // cheap when nothing is left; archives whatever an error left behind
        return retirement.retire(i, logTo(i.id())).map(Next::after).orElseGet(Next::idle);
      }
    }
    return Next.idle();
  }

  /** Interviews another replica works on (none when this Prequel is alone). */
  java.util.Set<String> ownedElsewhere() {
    return ownership.ownedElsewhere();
  }

  /** Puts the challenge's files in the workspace and runs its setup. */
  private void configure(Interview i) throws Exception {
    var challenge =
        challenges
            .find(i.challengeId())
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "challenge '"
                            + i.challengeId()
                            + "' is no longer in the challenge library"));
    var files = challenges.files(challenge.id());
    runtime.configure(i.id(), files, logTo(i.id()));
    runtime.runSetup(i.id(), challenge.workspaceSetup(files), logTo(i.id()));
  }

  /**
   * Asks once whether the configured workspace answers: active when it does; else a probe again
   * shortly, without holding the worker, until the ready timeout (in the clock's time).
   */
  private Next probe(Interview i, Starting waiting, Instant now) throws Exception {
    if (readiness.isReady(i.id())) {
      starting.remove(i.id());
      // The first snapshot follows at once, in the next step: the candidate need not wait for it.
      baselinePending.add(i.id());
      return moveOn(i, ACTIVE, null);
    }
    if (!now.isBefore(waiting.deadline())) {
      starting.remove(i.id());
      throw new IllegalStateException(
          "the workspace did not answer within " + readyTimeout.toMillis() + " ms");
    }
    if (runtime.find(i.id()).isEmpty()) {
      String why = runtime.whyStopped(i.id()).orElse("the workspace process exited while starting");
      if (waiting.startedAgain()) {
        starting.remove(i.id());
        throw new IllegalStateException(why);
      }
      // Once: a start that failed at once (seen about once in 40 starts under load) is retried
      // on the same files before the interview is given up.
      starting.put(i.id(), new Starting(waiting.deadline(), true));
      store.appendLog(i.id(), now, why + "; starting it once more");
      log.warn("interview {}: {}; starting it once more", i.id(), why);
      runtime.stop(i.id(), logTo(i.id()));
      runtime.provision(workspaceSpec(i), logTo(i.id()));
    }
    return Next.after(PROBE_INTERVAL);
  }

  /**
   * The workspace the interview's challenge asks for (resources, network), with the interview's
   * secrets; the runtime's defaults when the challenge is gone (configuring then says so).
   */
  private WorkspaceSpec workspaceSpec(Interview i) {
    return challenges
        .find(i.challengeId())
        .map(c -> c.workspaceSpec(i.id()))
        .orElseGet(() -> new WorkspaceSpec(i.id()))
        .withSecrets(store.secrets().of(i.id()));
  }

  /** The first snapshot, the challenge's files as the candidate gets them: the diff's baseline. */
  private void takeBaseline(Interview i) {
    try {
      snapshots.archive(i.id(), WorkspaceSnapshots.BASELINE);
    } catch (Exception e) {
      // Not a reason to keep the candidate waiting: the next snapshot becomes the baseline.
      store.appendLog(i.id(), now(), "could not take the first snapshot: " + e.getMessage());
    }
  }

  private boolean expired(Interview i, Instant now) {
    return !now.isBefore(i.expiresAt());
  }

  /**
   * Records a transition and asks for the next step (which re-reads the interview, whoever won).
   */
  private Next moveOn(Interview i, Status to, String note) {
    move(i, to, note);
    return Next.now();
  }

  /**
   * Records a transition. Returns false (and changes nothing) when somebody else changed the
   * interview first.
   */
  boolean move(Interview i, Status to, String note) {
    StateMachine.check(i.status(), to);
    Instant now = now();
    String reason = to == ERROR ? note : null;
    String line = i.status().wireName() + " → " + to.wireName() + (note == null ? "" : ": " + note);
    // The status, its log line and its event commit together: a replica killed at any point
    // cannot keep the transition and lose the event that tells every live stream.
    Optional<Interview> recorded =
        store.transition(i.id(), i.status(), to, reason, now, line, events.writer());
    if (recorded.isEmpty()) {
      return false;
    }
    log.info("interview {}: {}", i.id(), line);
    events.recorded(recorded.get());
    return true;
  }

  /**
   * A step that failed ends the interview in error, with the reason (its workspace is then retired
   * by the next step). Where error cannot follow, the failure is unexpected: the worker loop logs
   * it and tries again later.
   */
  private Next fail(Interview i, Exception e) {
    if (!StateMachine.allows(i.status(), ERROR)) {
      throw new IllegalStateException(
          "the " + i.status().wireName() + " step of interview " + i.id() + " failed", e);
    }
    String reason = Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
    log.warn("interview {}: {} step failed: {}", i.id(), i.status().wireName(), reason, e);
    return moveOn(i, ERROR, reason);
  }

  private Consumer<String> logTo(String id) {
    return line -> store.appendLog(id, now(), line);
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
