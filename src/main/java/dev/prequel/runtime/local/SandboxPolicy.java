package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceLimits;
import java.util.Locale;

/**
 * How the local runtime isolates workspaces, as the operator configured it.
 *
 * @param limits the default limits of a workspace (a challenge may ask for others later)
 * @param outbound what network a sandboxed workspace gets
 * @param required refuse to start workspaces when this machine cannot sandbox them
 */
public record SandboxPolicy(WorkspaceLimits limits, Outbound outbound, boolean required) {

  public static final SandboxPolicy DEFAULT =
      new SandboxPolicy(WorkspaceLimits.DEFAULT, Outbound.NONE, false);

  /** A sandbox's network. */
  public enum Outbound {
    /** No network at all (only its own loopback); code-server is reached by its Unix socket. */
    NONE,
    /** The host's network: the candidate can reach the internet (and the host's ports). */
    EGRESS;

    public static Outbound parse(String value) {
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("must be 'none' or 'egress', got '" + value + "'", e);
      }
    }

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
