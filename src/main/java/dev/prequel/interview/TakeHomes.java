package dev.prequel.interview;

import static dev.prequel.interview.Status.*;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.error.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Take-homes (issue 17, 1): interviews their candidate starts, within a window of days, when they
 * are ready. An invited take-home has no workspace; Start moves it to initializing with its clock
 * starting then, and from there it is an interview like any other (warm pool, expiry, snapshots).
 * Submit ends it early; the end of the window cancels one never started ({@link Lifecycle}).
 */
public final class TakeHomes {

  private static final Logger log = LoggerFactory.getLogger(TakeHomes.class);

  public static final int MIN_MINUTES = 30;
  public static final int MAX_MINUTES = 8 * 60;
  public static final int DEFAULT_WINDOW_DAYS = 7;
  public static final int MAX_WINDOW_DAYS = 60;

  /** The log line (and note) of a take-home cancelled because nobody started it in time. */
  static final String WINDOW_ENDED = "its start window ended before the candidate started it";

  static final String SUBMITTED = "submitted by the candidate";

  /** A take-home and its interview, as the portal and API show them. */
  public record Entry(Interview interview, TakeHome takeHome) {}

  /** What the candidate's start page shows. */
  public record Invitation(String challengeTitle, int durationMinutes, Instant windowEndsAt) {}

  private final InterviewStore store;
  private final TakeHomeStore takeHomes;
  private final Interviews interviews;
  private final ChallengeCatalog challenges;
  private final Lifecycle lifecycle;
  private final InterviewEvents events;
  private final Clock clock;
  private final List<Consumer<Entry>> submissionListeners = new CopyOnWriteArrayList<>();

  public TakeHomes(
      InterviewStore store,
      TakeHomeStore takeHomes,
      Interviews interviews,
      ChallengeCatalog challenges,
      Lifecycle lifecycle,
      InterviewEvents events,
      Clock clock) {
    this.store = store;
    this.takeHomes = takeHomes;
    this.interviews = interviews;
    this.challenges = challenges;
    this.lifecycle = lifecycle;
    this.events = events;
    this.clock = clock;
  }

  /** Creates an invited take-home: no workspace until the candidate presses Start. */
  public Entry invite(NewTakeHome request) {
    String name = Interviews.validName(request.candidateName());
    Challenge challenge = interviews.offeredChallenge(request.challengeId());
    Integer minutes = request.durationMinutes();
    if (minutes == null || minutes < MIN_MINUTES || minutes > MAX_MINUTES) {
      throw ProblemException.badInput(
          "durationMinutes",
          "durationMinutes must be between "
              + MIN_MINUTES
              + " and "
              + MAX_MINUTES
              + (minutes == null ? "" : ", got " + minutes));
    }
    int days = request.startWindowDays() == null ? DEFAULT_WINDOW_DAYS : request.startWindowDays();
    if (days < 1 || days > MAX_WINDOW_DAYS) {
      throw ProblemException.badInput(
          "startWindowDays",
          "startWindowDays must be between 1 and " + MAX_WINDOW_DAYS + ", got " + days);
    }
    Instant now = now();
    Instant windowEnd = now.plus(Duration.ofDays(days));
    // While invited, the interview's end is its window's end: the lifecycle's one timer for it.
    Interview interview =
        new Interview(
            interviews.newId(),
            name,
            challenge.id(),
            INVITED,
            interviews.newPassword(),
            null,
            now,
            windowEnd,
            now,
            now,
            null);
    TakeHome takeHome = new TakeHome(interview.id(), minutes, windowEnd, null, null);
    MDC.put(Lifecycle.LOG_KEY, interview.id());
    // The interview, its take-home row, its log line and its event in one transaction.
    EventWriter writer = events.writer();
    store.insert(
        interview,
        "take-home created for challenge "
            + challenge.id()
            + " ("
            + minutes
            + " min, to be started by "
            + windowEnd
            + ")",
        (h, recorded) -> {
          TakeHomeStore.insert(h, takeHome);
          writer.write(h, recorded);
        });
    challenges.recordUse(challenge.id(), now);
    log.info(
        "interview {}: take-home created, challenge {}, {} min, window ends {}",
        interview.id(),
        challenge.id(),
        minutes,
        windowEnd);
    events.recorded(interview);
    lifecycle.request(interview.id());
    return new Entry(interview, takeHome);
  }

  public Optional<TakeHome> find(String id) {
    return takeHomes.find(id);
  }

  public Entry get(String id) {
    Interview interview = interviews.get(id);
    TakeHome takeHome =
        takeHomes
            .find(id)
            .orElseThrow(() -> ProblemException.notFound("interview '" + id + "' is no take-home"));
    return new Entry(interview, takeHome);
  }

  /** Every take-home with its interview, the latest window first. */
  public List<Entry> list() {
    return takeHomes.list().stream()
        .flatMap(t -> store.find(t.interviewId()).map(i -> new Entry(i, t)).stream())
        .toList();
  }

  /** What the start page shows, while the take-home waits for its candidate. */
  public Optional<Invitation> invitation(String id) {
    return takeHomes
        .find(id)
        .filter(t -> store.find(id).map(i -> i.status() == INVITED).orElse(false))
        .map(
            t ->
                new Invitation(
                    store
                        .find(id)
                        .flatMap(i -> challenges.find(i.challengeId()))
                        .map(Challenge::title)
                        .orElse("Coding challenge"),
                    t.durationMinutes(),
                    t.windowEndsAt()));
  }

  /**
   * The candidate pressed Start: the clock starts now and the workspace is prepared (a warm one
   * when the pool has one). Refused once started, or after the window's end.
   */
  public Interview start(String id) {
    Entry e = get(id);
    Instant now = now();
    StateMachine.check(e.interview().status(), INITIALIZING);
    if (!now.isBefore(e.takeHome().windowEndsAt())) {
      throw ProblemException.conflict("the window to start this take-home has ended");
    }
    Instant end = now.plus(Duration.ofMinutes(e.takeHome().durationMinutes()));
    String line = "invited → initializing: started by the candidate, ends " + end;
    // The transition, its log line and its event commit together (see Lifecycle.move).
    java.util.concurrent.atomic.AtomicReference<Interview> recorded =
        new java.util.concurrent.atomic.AtomicReference<>();
    EventWriter writer = events.writer();
    boolean moved =
        takeHomes.start(
            id,
            now,
            end,
            h -> {
              InterviewStore.appendLog(h, id, now, line);
              Interview started = store.find(h, id).orElseThrow();
              writer.write(h, started);
              recorded.set(started);
            });
    if (!moved) {
      throw ProblemException.conflict("this take-home was started or ended meanwhile");
    }
    log.info("interview {}: {}", id, line);
    Interview started = recorded.get();
    events.recorded(started);
    lifecycle.request(id);
    return started;
  }

  /**
   * The candidate pressed Submit: the attempt ends now, through the same retire path as expiry
   * (last snapshot, then the workspace goes).
   */
  public Interview submit(String id) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Entry e = get(id);
      Interview i = e.interview();
      if (i.status() == DESTROYING && e.takeHome().submittedAt() != null) {
        return i;
      }
      StateMachine.check(i.status(), DESTROYING);
      if (lifecycle.move(i, DESTROYING, SUBMITTED)) {
        Instant now = now();
        takeHomes.markSubmitted(id, now);
        // Listeners (webhooks) hear of it before the retire path runs: "submitted" comes before
        // "destroyed".
        Entry submitted = get(id);
        submissionListeners.forEach(l -> notify(l, submitted));
        lifecycle.request(id);
        return submitted.interview();
      }
    }
    throw ProblemException.conflict("take-home " + id + " is changing right now; try again");
  }

  /** Listens to submissions (the webhooks) until the returned handle is closed. */
  public AutoCloseable onSubmitted(Consumer<Entry> listener) {
    submissionListeners.add(listener);
    return () -> submissionListeners.remove(listener);
  }

  private static void notify(Consumer<Entry> listener, Entry entry) {
    try {
      listener.accept(entry);
    } catch (RuntimeException ex) {
      log.warn("submission listener failed for {}: {}", entry.interview().id(), ex.toString());
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
