package dev.prequel.interview;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What an interviewer asks for. Validated by {@link Interviews#create}.
 *
 * @param secrets environment variables for the candidate's processes in this interview's workspace
 *     (name to value); none when null
 */
public record NewInterview(
    String candidateName,
    String challengeId,
    Integer durationMinutes,
    Instant scheduledAt,
    Map<String, String> secrets) {

  public NewInterview {
    secrets = Objects.requireNonNullElse(secrets, Map.of());
  }

  public NewInterview(
      String candidateName, String challengeId, Integer durationMinutes, Instant scheduledAt) {
    this(candidateName, challengeId, durationMinutes, scheduledAt, Map.of());
  }

  /** Names only: a request that reaches a log line or an exception shows no secret's value. */
  @Override
  public String toString() {
    return "NewInterview[candidateName="
        + candidateName
        + ", challengeId="
        + challengeId
        + ", durationMinutes="
        + durationMinutes
        + ", scheduledAt="
        + scheduledAt
        + ", secrets="
        + new java.util.TreeSet<>(secrets.keySet())
        + "]";
  }
}
