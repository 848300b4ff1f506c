package dev.prequel.runtime;

import java.util.List;
import java.util.Locale;

/** Whether a workspace may open network connections beyond itself. */
public enum Outbound {
  /** No network at all (only its own loopback); code-server is reached by its Unix socket. */
  NONE,
  /** The host's network: the candidate can reach the internet (and the host's ports). */
  EGRESS;

  /**
   * Ranges a workspace's egress never reaches, in every runtime: private networks (the host's, the
   * site's), link-local addresses (169.254.169.254, the cloud's metadata service), shared,
   * benchmarking, loopback and multicast ranges.
   */
  public static final List<String> PROHIBITED =
      List.of(
          "0.0.0.0/8",
          "10.0.0.0/8",
          "100.64.0.0/10",
          "127.0.0.0/8",
          "169.254.0.0/16",
          "172.16.0.0/12",
          "192.0.0.0/24",
          "192.168.0.0/16",
          "198.18.0.0/15",
          "224.0.0.0/3");

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
