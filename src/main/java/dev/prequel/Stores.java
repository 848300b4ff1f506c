package dev.prequel;

import dev.prequel.archive.ArchiveStore;
import dev.prequel.archive.GitArchiveStore;
import dev.prequel.archive.S3ArchiveStore;
import dev.prequel.challenge.ChallengeStore;
import dev.prequel.challenge.FolderChallengeStore;
import dev.prequel.challenge.LayeredChallengeStore;
import dev.prequel.challenge.S3ChallengeStore;
import dev.prequel.interview.EventChannel;
import dev.prequel.interview.LocalEventChannel;
import dev.prequel.interview.PostgresEventChannel;
import dev.prequel.store.Database;
import dev.prequel.store.SecretBox;
import java.time.Clock;

/**
 * Where the configuration says files are kept: in an S3-compatible bucket when PREQUEL_S3_BUCKET is
 * set, else in folders on this machine. The one place that chooses, as {@link Runtimes#of} is for
 * the runtime.
 */
public final class Stores {

  private Stores() {}

  /**
   * The candidates' work: in the bucket (under PREQUEL_S3_ARCHIVE_PREFIX, with the archive folder
   * as local cache), else in the archive folder only.
   */
  static ArchiveStore archive(Config config) {
    return config.s3().enabled()
        ? new S3ArchiveStore(config.s3(), config.archive().dir())
        : new GitArchiveStore(config.archive().dir());
  }

  /**
   * The library's files: in the bucket; else uploads and edits in the data folder, over the
   * challenges shipped in PREQUEL_CHALLENGES_DIR, which Prequel only reads (it is part of the git
   * checkout).
   */
  public static ChallengeStore challenges(Config config) {
    return config.s3().enabled()
        ? new S3ChallengeStore(config.s3(), config.dataDir().resolve("cache").resolve("challenges"))
        : new LayeredChallengeStore(
            new FolderChallengeStore(config.dataDir().resolve("challenges")),
            new FolderChallengeStore(config.challengesDir()));
  }

  /**
   * How interview events reach the live streams: through PostgreSQL (LISTEN/NOTIFY and a table to
   * catch up from) when replicas share it, else within this process. Local ids start at the start
   * time in microseconds, so they go on increasing over restarts.
   */
  static EventChannel events(Config config, Database db, SecretBox box, Clock clock) {
    return db.kind() == Database.Kind.POSTGRES
        ? new PostgresEventChannel(db.jdbi(), config.database(), box, clock)
        : new LocalEventChannel(clock.millis() * 1000);
  }
}
