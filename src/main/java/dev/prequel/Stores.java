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
import dev.prequel.proxy.WorkspaceCookies;
import dev.prequel.store.Database;
import dev.prequel.store.SecretBox;
import dev.prequel.store.SharedKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the configuration says files are kept: in an S3-compatible bucket when PREQUEL_S3_BUCKET is
 * set, else in folders on this machine. The one place that chooses, as {@link Runtimes#of} is for
 * the runtime.
 */
public final class Stores {

  private static final Logger log = LoggerFactory.getLogger(Stores.class);

  private Stores() {}

  /**
   * Who owns the warm pool's spares: this process alone, or, with replicas sharing a runtime, each
   * replica its own, a spare not refreshed for three pool checks (at least a minute) counting as a
   * dead replica's.
   */
  static dev.prequel.pool.SpareOwners spareOwners(
      Database db, dev.prequel.interview.Leases leases, Clock clock, Duration reconcileInterval) {
    if (leases == null) {
      return dev.prequel.pool.SpareOwners.sole();
    }
    return new dev.prequel.pool.DatabaseSpareOwners(
        db.jdbi(), leases.replicaId(), clock, spareStale(reconcileInterval));
  }

  /** When a spare's owner counts as gone: three missed pool checks, at least a minute. */
  static Duration spareStale(Duration reconcileInterval) {
    Duration three = reconcileInterval.multipliedBy(3);
    return three.compareTo(Duration.ofMinutes(1)) > 0 ? three : Duration.ofMinutes(1);
  }

  /**
   * The keys Prequel seals candidates' passwords and signs their workspace cookies with.
   *
   * @param box seals candidates' passwords at rest
   * @param cookies signs and checks candidates' workspace cookies
   */
  record Keys(SecretBox box, WorkspaceCookies cookies) {}

  /**
   * One Prequel on H2: PREQUEL_SECRET_KEY or {@code keys/secret.key}, and {@code
   * keys/workspace-cookie.key}, in the data folder. On PostgreSQL every replica must hold the same
   * keys (a cookie from one is shown to another): PREQUEL_SECRET_KEY, and the cookie key derived
   * from it; without it, keys agreed in the database, the first start's (an installation that ran
   * one Prequel on PostgreSQL before offers the keys of its data folder, so what they sealed stays
   * readable).
   */
  static Keys keys(Config config, Database db, Clock clock) throws IOException {
    String given = config.auth().secretKey();
    Path folder = config.dataDir().resolve("keys");
    Path cookieFile = folder.resolve("workspace-cookie.key");
    if (db.kind() == Database.Kind.H2) {
      return new Keys(
          SecretBox.load(given, config.dataDir()),
          new WorkspaceCookies(WorkspaceCookies.loadOrCreateKey(cookieFile), clock));
    }
    if (given != null && !given.isBlank()) {
      SecretBox box = SecretBox.load(given, config.dataDir());
      return new Keys(box, new WorkspaceCookies(box.derive("workspace-cookie"), clock));
    }
    log.info(
        "PostgreSQL without PREQUEL_SECRET_KEY: the replicas' keys are kept in the database"
            + " (shared_keys), unencrypted; set PREQUEL_SECRET_KEY, the same on every replica, to"
            + " keep them out of it and its backups");
    SharedKeys shared = new SharedKeys(db.jdbi(), clock);
    return new Keys(
        SecretBox.of(shared.agree("secret", offered(folder.resolve("secret.key")))),
        new WorkspaceCookies(shared.agree("workspace-cookie", offered(cookieFile)), clock));
  }

  /** This data folder's key when it has one (32 bytes), else 32 new random bytes. */
  private static byte[] offered(Path file) throws IOException {
    if (Files.isRegularFile(file)) {
      byte[] key = Files.readAllBytes(file);
      if (key.length == 32) {
        return key;
      }
    }
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    return fresh;
  }

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
