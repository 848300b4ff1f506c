package dev.prequel.interview;

import java.time.Instant;

/**
 * What makes an interview a take-home: its length, and the window in which its candidate may start
 * it. The interview itself (status, start, end) is the {@link Interview} with the same id.
 *
 * @param windowEndsAt after this instant a take-home that was never started is cancelled
 * @param startedAt when the candidate pressed Start, or null
 * @param submittedAt when the candidate pressed Submit, or null
 */
public record TakeHome(
    String interviewId,
    int durationMinutes,
    Instant windowEndsAt,
    Instant startedAt,
    Instant submittedAt) {}
