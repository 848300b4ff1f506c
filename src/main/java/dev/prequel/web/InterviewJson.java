package dev.prequel.web;

import dev.prequel.interview.Interview;
import java.time.Instant;

/** An interview as the API and the live stream show it. */
public record InterviewJson(
    String id,
    String candidateName,
    String challengeId,
    String status,
    String accessUrl,
    String password,
    Instant scheduledAt,
    Instant startsAt,
    Instant expiresAt,
    int durationMinutes,
    Instant createdAt,
    Instant updatedAt,
    String errorReason) {

  static InterviewJson of(Interview i, PublicUrls urls) {
    return new InterviewJson(
        i.id(),
        i.candidateName(),
        i.challengeId(),
        i.status().wireName(),
        urls.workspace(i.id()),
        i.password(),
        i.scheduledAt(),
        i.startsAt(),
        i.expiresAt(),
        (int) i.duration().toMinutes(),
        i.createdAt(),
        i.updatedAt(),
        i.errorReason());
  }
}
