package dev.prequel.runtime;

import java.util.List;
import java.util.Optional;

/**
 * What a runtime says about itself, for {@code /healthz}, {@code ./prequel doctor} and the portal's
 * warning: how isolated its workspaces are, and what this machine lacks for more.
 *
 * @param name the runtime's name, as in {@code PREQUEL_RUNTIME}
 * @param isolation how workspaces are kept apart ({@code sandbox}, {@code none}, {@code container}
 *     ...), for operators
 * @param sandboxed whether a candidate's terminal is kept away from Prequel's own files and users
 * @param limited whether {@code limits} are enforced
 * @param limits the default limits of a workspace
 * @param outbound the network a workspace gets at most ({@code none}, {@code egress}, or {@code
 *     host} when nothing restricts it)
 * @param missing one line per missing part, with what to do about it
 * @param fix how to get what is missing (empty when nothing is)
 */
public record RuntimeDescription(
    String name,
    String isolation,
    boolean sandboxed,
    boolean limited,
    WorkspaceLimits limits,
    String outbound,
    List<String> missing,
    String fix) {

  public RuntimeDescription {
    missing = List.copyOf(missing);
  }

  /** A runtime that says nothing of its isolation: taken as none. */
  public static RuntimeDescription unknown(String name) {
    return new RuntimeDescription(
        name, "unknown", false, false, WorkspaceLimits.DEFAULT, "host", List.of(), "");
  }

  /** What an interviewer should know when workspaces are less isolated than they should be. */
  public Optional<String> warning() {
    String lacking = missing.isEmpty() ? "" : " Missing: " + String.join("; ", missing) + ".";
    if (!sandboxed) {
      return Optional.of(
          "Workspaces are not sandboxed on this machine: a candidate's terminal can read and run"
              + " whatever Prequel's own user can."
              + lacking);
    }
    if (!limited) {
      return Optional.of("Workspaces run without CPU, memory or process limits." + lacking);
    }
    return Optional.empty();
  }
}
