package dev.prequel.runtime.local;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;

/**
 * How the local runtime isolates workspaces, as the operator configured it.
 *
 * @param limits the default limits of a workspace, and the most any challenge gets: a challenge
 *     that asks for more is held to these ({@link WorkspaceLimits#within})
 * @param outbound the network a sandboxed workspace gets at most: {@code egress} lets challenges
 *     that ask for it have it, {@code none} cuts every workspace off
 * @param required refuse to start workspaces when this machine cannot sandbox them
 */
public record SandboxPolicy(WorkspaceLimits limits, Outbound outbound, boolean required) {

  public static final SandboxPolicy DEFAULT =
      new SandboxPolicy(WorkspaceLimits.DEFAULT, Outbound.NONE, false);
}
