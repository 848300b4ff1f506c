package dev.prequel.runtime.docker;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reconciler lists workspaces every few seconds: that pass also removes what is left of a spare
 * whose removal stopped half-way (a crash between its container and its volumes), which the pool
 * would otherwise find only at its next start or stop. A spare is removed once it has been seen so
 * for {@link #GRACE}: a spare being made has volumes before its container, for a moment (here or in
 * another Prequel of the same scope).
 */
final class HalfRemovedSpares {

  static final Duration GRACE = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(HalfRemovedSpares.class);

  private final WorkspaceSpares spares;
  private final WorkspaceParts parts;
  private final Clock clock;
  private final Function<String, Object> lockFor;
  private final Predicate<String> containerExists;
  private final Consumer<String> forgetLock;
  private final Map<String, Instant> since = new ConcurrentHashMap<>();

  HalfRemovedSpares(
      WorkspaceSpares spares,
      WorkspaceParts parts,
      Clock clock,
      Function<String, Object> lockFor,
      Predicate<String> containerExists,
      Consumer<String> forgetLock) {
    this.spares = spares;
    this.parts = parts;
    this.clock = clock;
    this.lockFor = lockFor;
    this.containerExists = containerExists;
    this.forgetLock = forgetLock;
  }

  /** Removes the half-removed spares seen so for the grace; remembers the others' first sight. */
  void removeSeen() {
    Instant now = clock.instant();
    List<String> seen;
    try {
      seen = spares.halfRemoved();
    } catch (RuntimeException e) {
      return; // the engine did not answer: the next pass tries again
    }
    since.keySet().retainAll(seen);
    for (String spare : seen) {
      Instant first = since.computeIfAbsent(spare, k -> now);
      if (Duration.between(first, now).compareTo(GRACE) < 0) {
        continue;
      }
      try {
        synchronized (lockFor.apply(spare)) {
          if (containerExists.test(spare) || spares.claimed(spare)) {
            continue; // its container was made meanwhile
          }
          parts.remove(spare, List.of(spare), line -> {});
        }
        forgetLock.accept(spare);
        since.remove(spare);
        log.info("removed what was left of spare {} (half removed before)", spare);
      } catch (IOException | RuntimeException e) {
        log.warn("could not remove what is left of spare {}: {}", spare, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
