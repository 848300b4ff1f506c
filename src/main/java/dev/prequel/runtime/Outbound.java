package dev.prequel.runtime;

import java.util.Locale;

/** Whether a workspace may open network connections beyond itself. */
public enum Outbound {
  /** No network at all (only its own loopback); code-server is reached by its Unix socket. */
  NONE,
  /** The host's network: the candidate can reach the internet (and the host's ports). */
  EGRESS;

  /** {@code none} or {@code egress}, as in {@code challenge.yaml} and the configuration. */
  public static Outbound parse(String value) {
    try {
      return valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("must be 'none' or 'egress', got '" + value + "'", e);
    }
  }

  /** The stricter of the two: egress only when both allow it. */
  public Outbound and(Outbound other) {
    return this == EGRESS && other == EGRESS ? EGRESS : NONE;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
