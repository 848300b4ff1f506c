package dev.prequel.runtime.kubernetes;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** A shell command in a workspace pod as the candidate, in {@code /workspace}, line by line. */
final class PodCommands {

  /** Exit status of coreutils' {@code timeout} when the command ran past it. */
  static final int TIMED_OUT = 124;

  private PodCommands() {}

  /**
   * Runs {@code command} with {@code sh -c} in {@code /workspace}, stdout and stderr together, each
   * line to {@code lines}; the command carries its own deadline (TERM, then KILL 5 s later), as
   * exec has no way to kill what it started.
   */
  static PodExec.Result run(
      PodExec exec, String pod, String command, Duration timeout, Consumer<String> lines)
      throws IOException, InterruptedException {
    long seconds = Math.max(1, timeout.toSeconds());
    List<String> argv =
        List.of(
            "/bin/sh",
            "-c",
            // the command is an argument ($1), never spliced into this script
            "cd "
                + WorkspacePods.WORKSPACE
                + " && exec timeout -k 5 "
                + seconds
                + "s /bin/sh -c \"$1\" 2>&1",
            "sh",
            command);
    return exec.run(
        pod,
        argv,
        null,
        out -> {
          BufferedReader reader =
              new BufferedReader(new InputStreamReader(out, StandardCharsets.UTF_8));
          for (String line; (line = reader.readLine()) != null; ) {
            lines.accept(line);
          }
        },
        timeout.plusSeconds(30));
  }
}
