package dev.prequel.archive;

import dev.prequel.interview.WorkspaceSnapshots;
import java.time.Instant;
import java.util.List;

/**
 * One point of an interview's timeline.
 *
 * @param id stable id of the snapshot (a git commit id in the git-backed store)
 * @param reason why it was taken: {@code baseline}, {@code periodic} or {@code final}
 * @param fileCount how many files it holds
 * @param bytes their total size
 * @param leftOut files the size cap (or the store) left out, each with why
 * @param skippedFolders dependency and build folders that were not looked into
 */
public record Snapshot(
    String id,
    Instant takenAt,
    String reason,
    int fileCount,
    long bytes,
    List<String> leftOut,
    List<String> skippedFolders) {

  public static final String BASELINE = WorkspaceSnapshots.BASELINE;
  public static final String PERIODIC = "periodic";
  public static final String FINAL = WorkspaceSnapshots.FINAL;
}
