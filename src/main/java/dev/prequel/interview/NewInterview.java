package dev.prequel.interview;

import java.time.Instant;

/** What an interviewer asks for. Validated by {@link Interviews#create}. */
public record NewInterview(
    String candidateName, String challengeId, Integer durationMinutes, Instant scheduledAt) {}
