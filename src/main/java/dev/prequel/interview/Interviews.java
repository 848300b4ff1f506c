package dev.prequel.interview;

import static dev.prequel.interview.Status.*;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.error.ProblemException;
import dev.prequel.runtime.WorkspaceSecrets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** What interviewers do with interviews: the operations behind both the API and the portal. */
public final class Interviews {

  private static final Logger log = LoggerFactory.getLogger(Interviews.class);

  /** Letters and digits that cannot be mistaken for each other (no 0/o, 1/l/i). */
  private static final String ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

  private static final String PASSWORD_ALPHABET =
      "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";
  static final int MAX_NAME_LENGTH = 100;

  /** A start time this little in the past is taken as "now" (a form picks whole minutes). */
  private static final Duration START_GRACE = Duration.ofMinutes(2);

  private static final Duration MAX_SCHEDULE_AHEAD = Duration.ofDays(366);

  /** The bounds of an interview's total length. */
  public record Limits(int minMinutes, int maxMinutes) {}

  private final InterviewStore store;
  private final TakeHomeStore takeHomes;
  private final ChallengeCatalog challenges;
  private final Lifecycle lifecycle;
  private final InterviewEvents events;
  private final Clock clock;
  private final Limits limits;
  private final SecureRandom random = new SecureRandom();

  public Interviews(
      InterviewStore store,
      TakeHomeStore takeHomes,
      ChallengeCatalog challenges,
      Lifecycle lifecycle,
      InterviewEvents events,
      Clock clock,
      Limits limits) {
    this.store = store;
    this.takeHomes = takeHomes;
    this.challenges = challenges;
    this.lifecycle = lifecycle;
    this.events = events;
    this.clock = clock;
    this.limits = limits;
  }

  public Interview create(NewInterview request) {
    String name = validName(request.candidateName());
    var challenge = offeredChallenge(request.challengeId());
    WorkspaceSecrets secrets = WorkspaceSecrets.of(request.secrets());
    Integer minutes = request.durationMinutes();
    if (minutes == null) {
      throw ProblemException.badInput("durationMinutes", "durationMinutes is required");
    }
    if (minutes < limits.minMinutes() || minutes > limits.maxMinutes()) {
      throw ProblemException.badInput(
          "durationMinutes",
          "durationMinutes must be between "
              + limits.minMinutes()
              + " and "
              + limits.maxMinutes()
              + ", got "
              + minutes);
    }
    Instant now = now();
    Instant scheduledAt = request.scheduledAt();
    if (scheduledAt != null) {
      if (scheduledAt.isBefore(now.minus(START_GRACE))) {
        throw ProblemException.badInput(
            "scheduledAt", "scheduledAt " + scheduledAt + " is in the past");
      }
      if (scheduledAt.isAfter(now.plus(MAX_SCHEDULE_AHEAD))) {
        throw ProblemException.badInput("scheduledAt", "scheduledAt is more than a year ahead");
      }
      scheduledAt = scheduledAt.truncatedTo(ChronoUnit.MILLIS);
    }
    Instant startsAt = scheduledAt == null || scheduledAt.isBefore(now) ? now : scheduledAt;
    Status first = scheduledAt == null ? INITIALIZING : SCHEDULED;
    Interview interview =
        new Interview(
            newId(),
            name,
            challenge.id(),
            first,
            newPassword(),
            scheduledAt,
            startsAt,
            startsAt.plus(Duration.ofMinutes(minutes)),
            now,
            now,
            null);
    MDC.put(Lifecycle.LOG_KEY, interview.id()); // the request's remaining log lines are about it
    // The interview, its secrets, its first log line and its event in one transaction (see
    // Lifecycle.move): its start never sees it without them.
    store.insert(
        interview,
        secrets,
        "created for challenge "
            + challenge.id()
            + " ("
            + minutes
            + " min)"
            + (first == SCHEDULED ? ", starts " + startsAt : "")
            + (secrets.isEmpty() ? "" : ", secrets " + String.join(", ", secrets.names())),
        events.writer());
    challenges.recordUse(challenge.id(), now);
    log.info(
        "interview {}: created, challenge {}, {} min, status {}",
        interview.id(),
        challenge.id(),
        minutes,
        first.wireName());
    events.recorded(interview);
    lifecycle.request(interview.id());
    return interview;
  }

  /** The candidate's name, stripped; refused when missing or too long. */
  static String validName(String candidateName) {
    String name = candidateName == null ? "" : candidateName.strip();
    if (name.isEmpty()) {
      throw ProblemException.badInput("candidateName", "candidateName is required");
    }
    if (name.length() > MAX_NAME_LENGTH) {
      throw ProblemException.badInput(
          "candidateName", "candidateName is longer than " + MAX_NAME_LENGTH + " characters");
    }
    return name;
  }

  /** A challenge new interviews may use; refused when unknown or deleted. */
  Challenge offeredChallenge(String challengeId) {
    if (challengeId == null || challengeId.isBlank()) {
      throw ProblemException.badInput("challengeId", "challengeId is required");
    }
    Challenge challenge =
        challenges
            .find(challengeId)
            .orElseThrow(
                () ->
                    ProblemException.badInput(
                        "challengeId",
                        "unknown challenge '"
                            + challengeId
                            + "'; GET /api/v1/challenges lists them"));
    if (challenge.deleted()) {
      throw ProblemException.badInput(
          "challengeId", "challenge '" + challenge.id() + "' was deleted from the library");
    }
    return challenge;
  }

  public Interview get(String id) {
    return store
        .find(id)
        .orElseThrow(() -> ProblemException.notFound("no interview with id '" + id + "'"));
  }

  /** Newest first. */
  public List<Interview> list(Collection<Status> statuses) {
    return store.list(statuses.isEmpty() ? EnumSet.allOf(Status.class) : statuses);
  }

  public List<InterviewStore.LogLine> log(String id) {
    get(id);
    return store.log(id);
  }

  /** The names of the interview's secrets: their values are never shown again. */
  public java.util.Set<String> secretNames(String id) {
    get(id);
    return store.secrets().names(id);
  }

  /**
   * Replaces the interview's secrets (all of them: those not given are removed). Only before its
   * workspace starts: a running process's environment cannot change, and restarting the candidate's
   * IDE under them would cost them their terminal.
   *
   * @return the names now set
   */
  public java.util.Set<String> replaceSecrets(String id, java.util.Map<String, String> values) {
    Interview i = get(id);
    WorkspaceSecrets secrets = WorkspaceSecrets.of(values == null ? java.util.Map.of() : values);
    if (!store.secrets().replace(id, secrets, EnumSet.of(SCHEDULED, INVITED))) {
      throw ProblemException.conflict(
          "secrets can be changed only before the workspace starts (status scheduled or"
              + " invited); interview "
              + id
              + " is "
              + get(id).status().wireName());
    }
    store.appendLog(
        i.id(),
        now(),
        secrets.isEmpty()
            ? "secrets removed"
            : "secrets set: " + String.join(", ", secrets.names()));
    return secrets.names();
  }

  /**
   * Ends an interview now: a scheduled one is cancelled, a live one destroyed. Destroying one that
   * is already being destroyed is accepted; one that has ended is a conflict.
   */
  public Interview destroy(String id) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Interview i = get(id);
      if (i.status() == DESTROYING) {
        return i;
      }
      Status to = i.status() == SCHEDULED || i.status() == INVITED ? CANCELLED : DESTROYING;
      StateMachine.check(i.status(), to);
      if (lifecycle.move(i, to, "requested by the interviewer")) {
        lifecycle.request(id);
        return get(id);
      }
    }
    throw ProblemException.conflict("interview " + id + " is changing right now; try again");
  }

  /**
   * Moves the end of an interview: earlier (an expiry now or in the past ends it at once) or later,
   * never making it longer than the maximum duration.
   */
  public Interview changeExpiry(String id, Instant expiresAt) {
    if (expiresAt == null) {
      throw ProblemException.badInput(
          "expiresAt", "expiresAt is required (ISO-8601, e.g. 2026-01-01T10:00:00Z)");
    }
    Interview i = get(id);
    if (!i.status().isLive() || i.status() == DESTROYING) {
      throw ProblemException.conflict(
          "interview " + id + " is " + i.status().wireName() + "; its end cannot change");
    }
    if (i.status() == INVITED) {
      throw ProblemException.conflict(
          "take-home "
              + id
              + " has not been started; its clock starts when the candidate presses Start"
              + " (its start window ends "
              + i.expiresAt()
              + ")");
    }
    Instant now = now();
    if (!expiresAt.isAfter(now)) {
      return destroy(id);
    }
    if (!expiresAt.isAfter(i.startsAt())) {
      throw ProblemException.badInput(
          "expiresAt", "expiresAt must be after the interview's start " + i.startsAt());
    }
    Duration total = Duration.between(i.startsAt(), expiresAt);
    int maxMinutes =
        takeHomes.find(id).isPresent()
            ? Math.max(limits.maxMinutes(), TakeHomes.MAX_MINUTES)
            : limits.maxMinutes();
    if (total.compareTo(Duration.ofMinutes(maxMinutes)) > 0) {
      throw ProblemException.badInput(
          "expiresAt",
          "an interview lasts at most "
              + maxMinutes
              + " minutes; the latest end for this one is "
              + i.startsAt().plus(Duration.ofMinutes(maxMinutes)));
    }
    Instant newExpiry = expiresAt.truncatedTo(ChronoUnit.MILLIS);
    store.updateExpiry(id, newExpiry, now);
    store.appendLog(id, now, "end moved from " + i.expiresAt() + " to " + newExpiry);
    log.info("interview {}: end moved to {}", id, newExpiry);
    Interview updated = get(id);
    events.publish(updated);
    lifecycle.request(id);
    return updated;
  }

  String newId() {
    return randomString(ID_ALPHABET, 10);
  }

  String newPassword() {
    return randomString(PASSWORD_ALPHABET, 16);
  }

  private String randomString(String alphabet, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int n = 0; n < length; n++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
