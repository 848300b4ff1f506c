package dev.prequel.runtime.docker;

import dev.prequel.runtime.WorkspaceSetup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * A challenge's setup in a workspace container: each command through the Engine's exec as the
 * candidate's user in {@code /workspace} (where their terminal runs, under the container's limits
 * and network), its output streamed line by line to the interview's log.
 */
final class ContainerSetup {

  private final WorkspaceExec exec;
  private final Clock clock;

  ContainerSetup(WorkspaceExec exec, Clock clock) {
    this.exec = exec;
    this.clock = clock;
  }

  /**
   * Copies an earlier setup's reusable folders when kept ({@link SetupCaches}); else fills and
   * hands over the npm cache, runs the commands in order (throwing, saying which, at the first
   * failure or past the timeout) and keeps the reusable folders of a {@code fresh} workspace.
   *
   * @param mayUseNpm false when the workspace is known to hold no npm lockfile: its npm cache is
   *     not looked for (two reads through the archive API saved)
   */
  void run(
      String container,
      WorkspaceSetup setup,
      SetupCaches caches,
      boolean fresh,
      boolean mayUseNpm,
      Consumer<String> log)
      throws InterruptedException, java.io.IOException {
    if (setup.commands().isEmpty() || caches.restore(container, setup, log)) {
      return;
    }
    if (mayUseNpm) {
      caches.prepareNpm(container, System.nanoTime() + setup.timeout().toNanos(), log);
    }
    run(container, setup, log);
    caches.keep(container, setup, fresh, log);
  }

  /** The environment setup commands get, as in the local runtime: plain output, npm offline. */
  static final java.util.List<String> ENVIRONMENT =
      java.util.List.of(
          "CI=true",
          "npm_config_prefer_offline=true",
          "npm_config_audit=false",
          "npm_config_fund=false",
          "npm_config_update_notifier=false");

  /** Runs the commands in order; throws, saying which, at the first failure or past the timeout. */
  void run(String container, WorkspaceSetup setup, Consumer<String> log)
      throws InterruptedException {
    Instant deadline = clock.instant().plus(setup.timeout());
    for (String command : setup.commands()) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new IllegalStateException("setup ran past its " + setup.timeout().toSeconds() + " s");
      }
      log.accept("$ " + command);
      WorkspaceExec.Result result = exec.run(container, command, left, log, ENVIRONMENT);
      if (result.timedOut()) {
        throw new IllegalStateException(
            "setup ran past its " + setup.timeout().toSeconds() + " s: " + command);
      }
      if (result.exitCode() != 0) {
        throw new IllegalStateException(
            "setup command failed (exit " + result.exitCode() + "): " + command);
      }
    }
  }
}
