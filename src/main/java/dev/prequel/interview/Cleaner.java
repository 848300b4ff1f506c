package dev.prequel.interview;

import dev.prequel.runtime.WorkspaceRuntime;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one way a workspace is retired, whoever retires it (its interview's end, an interviewer's
 * destroy, the clean-up of an orphan, Prequel's shutdown): stop it, so that nothing writes any
 * more, take the last snapshot, and only then remove it. Like java-operator-sdk's {@code
 * Cleaner.cleanup}, it can be called any number of times: each step is safe when already done.
 */
public final class Cleaner {

  private final WorkspaceRuntime runtime;
  private final WorkspaceSnapshots snapshots;

  public Cleaner(WorkspaceRuntime runtime, WorkspaceSnapshots snapshots) {
    this.runtime = runtime;
    this.snapshots = snapshots;
  }

  /**
   * Stops the workspace, snapshots its files with this reason and removes it.
   *
   * @throws FilesKept when the archive could not take the snapshot: the workspace is stopped and
   *     its files are kept, for a later attempt
   * @throws Exception when the runtime cannot stop or remove it
   */
  public void cleanup(String interviewId, String reason, Consumer<String> log) throws Exception {
    // Stopped first: a snapshot of a running workspace misses what is written after it (the
    // copies of this code before issue 12 lost those writes).
    runtime.stop(interviewId, log);
    try {
      snapshots.archive(interviewId, reason);
    } catch (Exception e) {
      throw new FilesKept(interviewId, e);
    }
    runtime.destroy(interviewId, log);
  }

  /** Removes the workspace without a snapshot, when an operator chose to discard its files. */
  public void discard(String interviewId, Consumer<String> log) throws Exception {
    runtime.destroy(interviewId, log);
  }

  /** The archive could not take a workspace's last snapshot; it is stopped, its files kept. */
  public static final class FilesKept extends Exception {

    private static final long serialVersionUID = 1L;

    FilesKept(String interviewId, Exception cause) {
      super(
          "the archive could not take the last snapshot of workspace "
              + interviewId
              + " ("
              + why(cause)
              + "); it is stopped and its files are kept",
          cause);
    }

    /** What the archive said, for an interview's log. */
    public String why() {
      return why(getCause());
    }

    private static String why(Throwable cause) {
      return Optional.ofNullable(cause.getMessage()).orElse(cause.getClass().getSimpleName());
    }
  }
}
