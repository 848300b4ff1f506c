package dev.prequel.interview;

import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An active interview whose workspace process exited: started again on the same files, until it
 * keeps exiting (a crash loop), when the interview is given up.
 */
final class Restarts {

  private static final Logger log = LoggerFactory.getLogger(Restarts.class);

  /** A workspace that exits this often within {@link #RESTART_WINDOW} is given up: error. */
  static final int MAX_RESTARTS = 3;

  static final Duration RESTART_WINDOW = Duration.ofMinutes(10);

  /** How a restart is recorded in the interview's log; counted to give up on a crash loop. */
  static final String RESTARTED = "workspace restarted after its process exited";

  private final InterviewStore store;
  private final WorkspaceRuntime runtime;

  /**
   * Interviews whose workspace was started again after it exited and is not running yet: the next
   * step adopts it instead of stopping it and starting another (in memory: after a crash the
   * restart path runs again, which is safe).
   */
  private final Set<String> restarting = ConcurrentHashMap.newKeySet();

  Restarts(InterviewStore store, WorkspaceRuntime runtime) {
    this.store = store;
    this.runtime = runtime;
  }

  /**
   * Starts the workspace again (or adopts the one a previous step started); empty when it is
   * running again or on its way, else why the interview must be given up.
   */
  Optional<String> restart(Interview i, WorkspaceSpec spec, Consumer<String> out, Instant now)
      throws Exception {
    if (restarting.contains(i.id())) {
      runtime.provision(spec, out); // adopts the one started
      restarting.remove(i.id());
      return Optional.empty();
    }
    Optional<String> reason = runtime.whyStopped(i.id());
    String why = reason.orElse("its process exited");
    // Counted from the interview's log, so a restart of Prequel does not reset the count.
    long recent =
        store.log(i.id()).stream()
            .filter(l -> l.message().startsWith(RESTARTED))
            .filter(l -> !l.at().isBefore(now.minus(RESTART_WINDOW)))
            .count();
    if (recent >= MAX_RESTARTS) {
      return Optional.of(
          "the workspace stopped unexpectedly "
              + (MAX_RESTARTS + 1)
              + " times within "
              + RESTART_WINDOW.toMinutes()
              + " minutes (last: "
              + why
              + ")");
    }
    runtime.stop(i.id(), out); // whatever is left of the old process tree
    String line = RESTARTED + reason.map(r -> " (" + r + ")").orElse("");
    restarting.add(i.id());
    store.appendLog(i.id(), now, line);
    log.warn("interview {}: {}", i.id(), line);
    runtime.provision(spec, out); // may say it is still starting
    restarting.remove(i.id());
    return Optional.empty();
  }

  /** The workspace runs: nothing is being restarted. */
  void running(String id) {
    restarting.remove(id);
  }
}
