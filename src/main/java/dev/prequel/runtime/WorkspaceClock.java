package dev.prequel.runtime;

import java.time.Instant;

/**
 * What the candidate's clock in the IDE shows: when the interview ends, and where a take-home's
 * candidate submits early (null for a live interview).
 */
public record WorkspaceClock(Instant endsAt, String submitUrl) {
  public WorkspaceClock {
    java.util.Objects.requireNonNull(endsAt, "endsAt");
  }
}
