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
      WorkspaceExec.Result result = exec.run(container, command, left, log);
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
