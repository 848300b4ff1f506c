package dev.prequel.interview;

/**
 * The archive as the lifecycle sees it: where a workspace's files go, at its start and before it is
 * removed. (An interface here, implemented by the archive, so that the lifecycle does not depend on
 * how snapshots are stored.)
 */
public interface WorkspaceSnapshots {

  /** The reason of the first snapshot, the challenge's files as the candidate gets them. */
  String BASELINE = "baseline";

  /** The reason of the last snapshot, taken when the workspace is stopped for good. */
  String FINAL = "final";

  /**
   * Snapshots the workspace's files now, running or stopped; nothing when it has none.
   *
   * @throws Exception when the archive cannot take them (the files must then be kept)
   */
  void archive(String interviewId, String reason) throws Exception;
}
