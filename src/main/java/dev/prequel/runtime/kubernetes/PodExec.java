package dev.prequel.runtime.kubernetes;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * Runs a command in a pod's workspace container, as the container's user (the candidate's uid),
 * with the API's exec: how files go in and out (tar) and how setup commands run. It is a seam of
 * its own because fabric8's mock API server cannot run exec: on a cluster {@link ApiPodExec} does
 * it; the tests' implementation runs the same command lines with the host's tar against a folder
 * that stands for the pod's claim.
 */
interface PodExec {

  /** How the command ended, and the start of what it wrote to stderr. */
  record Result(int exitCode, String stderr) {}

  /** Reads the command's stdout on the caller's thread, as it comes. */
  @FunctionalInterface
  interface Output {
    void read(InputStream stdout) throws IOException;
  }

  /**
   * Runs {@code argv} in {@code pod}'s workspace container, with {@code stdin} (null: none) as its
   * input, handing its stdout to {@code output}; the command is abandoned (the stream closed) past
   * {@code timeout}.
   */
  Result run(String pod, List<String> argv, InputStream stdin, Output output, Duration timeout)
      throws IOException, InterruptedException;
}
