package dev.prequel.webhook;

import java.time.Instant;

/**
 * One event for one endpoint, and how its delivery went.
 *
 * @param state {@link #PENDING} (to be made, or retried at {@code nextAttemptAt}), {@link
 *     #DELIVERED}, or {@link #FAILED} (given up after {@link Webhooks#MAX_ATTEMPTS})
 */
public record Delivery(
    String id,
    String webhookId,
    String event,
    String interviewId,
    String payload,
    String state,
    int attempts,
    Instant nextAttemptAt,
    Integer lastStatus,
    String lastError,
    Instant createdAt,
    Instant deliveredAt) {

  public static final String PENDING = "pending";
  public static final String DELIVERED = "delivered";
  public static final String FAILED = "failed";
}
