package dev.prequel.runtime.docker;

import dev.prequel.runtime.local.NpmCache;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this Prequel knows of the workspaces it made anew (a spare, or a cold start), by owner,
 * until they are configured: what a claim can skip. Kept in memory only: after a restart, every
 * workspace is treated as one a candidate may have been in.
 */
final class NewWorkspaces {

  /** Files made anew and no setup yet: only their setup fills the reuse cache. */
  private final Set<String> fresh = ConcurrentHashMap.newKeySet();

  /**
   * {@code /workspace} made anew, no challenge copied in yet: the copy reads no listing of the
   * folder back from the engine first (an archive GET, as long as the copy's PUT itself).
   */
  private final Set<String> empty = ConcurrentHashMap.newKeySet();

  /** Holding only a challenge's files, and those without an npm lockfile. */
  private final Set<String> withoutNpm = ConcurrentHashMap.newKeySet();

  void made(String owner) {
    fresh.add(owner);
    empty.add(owner);
  }

  /** Whether nothing was copied into the owner's workspace yet; true once. */
  boolean firstCopy(String owner) {
    return empty.remove(owner);
  }

  /** After the first copy: what the workspace now holds is Prequel's own copy of the challenge. */
  void copied(String owner, Path challengeFiles) {
    if (!NpmCache.usedBy(challengeFiles)) {
      withoutNpm.add(owner);
    }
  }

  /** Whether the owner's setup may fill the reuse cache; true once. */
  boolean takeFresh(String owner) {
    return fresh.remove(owner);
  }

  /** Whether the owner's workspace may hold an npm lockfile; asked once, before its setup. */
  boolean mayUseNpm(String owner) {
    return !withoutNpm.remove(owner);
  }

  void forget(Collection<String> owners) {
    fresh.removeAll(owners);
    empty.removeAll(owners);
    withoutNpm.removeAll(owners);
  }
}
