package dev.prequel.challenge;

import dev.prequel.runtime.WorkspaceSetup;
import java.time.Instant;
import java.util.List;

/**
 * A task a candidate works on, as the library knows it.
 *
 * @param addedAt when it came into the library (first seen, for challenges put in by hand)
 * @param deleted soft-deleted: no longer offered, but interviews already using it keep working
 * @param useCount how many interviews were created with it
 * @param lastUsedAt when the last one was created; null when never
 * @param missingTools what this host lacks to run it; empty when it can run here
 */
public record Challenge(
    String id,
    Manifest manifest,
    Instant addedAt,
    boolean deleted,
    int useCount,
    Instant lastUsedAt,
    List<HostTools.Missing> missingTools) {

  public Challenge {
    missingTools = List.copyOf(missingTools);
  }

  public String title() {
    return manifest.title();
  }

  /** Markdown. */
  public String description() {
    return manifest.description();
  }

  public boolean runnable() {
    return missingTools.isEmpty();
  }

  /** What the runtime does once the files are in the workspace. */
  public WorkspaceSetup workspaceSetup() {
    return new WorkspaceSetup(manifest.setup(), manifest.setupTimeout(), manifest.open());
  }
}
