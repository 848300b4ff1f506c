package dev.prequel.interview;

import java.time.Duration;
import java.time.Instant;

/**
 * One interview as stored.
 *
 * @param startsAt when the candidate is expected: the requested start, or the creation time
 * @param scheduledAt the start time the interviewer asked for, or null for "now"
 * @param errorReason why it is in {@link Status#ERROR}, or null
 */
public record Interview(
    String id,
    String candidateName,
    String challengeId,
    Status status,
    String password,
    Instant scheduledAt,
    Instant startsAt,
    Instant expiresAt,
    Instant createdAt,
    Instant updatedAt,
    String errorReason) {

  public Duration duration() {
    return Duration.between(startsAt, expiresAt);
  }

  public Interview withStatus(Status next, Instant at, String reason) {
    return new Interview(
        id,
        candidateName,
        challengeId,
        next,
        password,
        scheduledAt,
        startsAt,
        expiresAt,
        createdAt,
        at,
        reason);
  }

  @Override
  public String toString() {
    return "Interview[id="
        + id
        + ", status="
        + status.wireName()
        + ", challenge="
        + challengeId
        + "]";
  }
}
