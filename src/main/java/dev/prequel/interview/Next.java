package dev.prequel.interview;

import java.time.Duration;
import java.time.Instant;

/**
 * What a lifecycle step asks for next, the way a Kubernetes reconciler returns "requeue after": the
 * step never waits itself, the worker loop in {@link Lifecycle} applies this (a timer for later, or
 * the next step at once) and the worker is free for other interviews meanwhile.
 */
public sealed interface Next {

  /** Take the next step at once: the interview moved. */
  static Next now() {
    return Now.INSTANCE;
  }

  /** Look again at this instant (a start time, an expiry). */
  static Next at(Instant when) {
    return new At(when);
  }

  /** Look again after this delay (a readiness probe, a retry). */
  static Next after(Duration delay) {
    return new After(delay);
  }

  /** Nothing to wait for: no timer (an ended interview, or one that no longer exists). */
  static Next idle() {
    return Idle.INSTANCE;
  }

  /** See {@link #now()}. */
  enum Now implements Next {
    INSTANCE
  }

  /** See {@link #idle()}. */
  enum Idle implements Next {
    INSTANCE
  }

  /** See {@link #at(Instant)}. */
  record At(Instant when) implements Next {
    public At {
      java.util.Objects.requireNonNull(when, "when");
    }
  }

  /** See {@link #after(Duration)}. */
  record After(Duration delay) implements Next {
    public After {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("a delay cannot be negative: " + delay);
      }
    }
  }
}
