package dev.prequel.archive;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The archive's settings (read by {@code Config} from {@code PREQUEL_SNAPSHOT_SECONDS}, {@code
 * PREQUEL_SNAPSHOT_MAX_MB}, {@code PREQUEL_RETENTION_DAYS}, {@code PREQUEL_ARCHIVE_DIR}).
 *
 * @param dir where the git-backed store keeps one repository per interview
 * @param snapshotInterval how often active workspaces are snapshotted
 * @param maxBytes a snapshot's size cap
 * @param retention how long ended interviews are kept; zero keeps them until deleted by hand
 */
public record ArchiveSettings(
    Path dir, Duration snapshotInterval, long maxBytes, Duration retention) {

  public SnapshotPolicy policy() {
    return new SnapshotPolicy(SnapshotPolicy.DEFAULT_EXCLUDED, maxBytes);
  }
}
