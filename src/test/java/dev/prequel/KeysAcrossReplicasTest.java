package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas on one PostgreSQL, each with a data folder of its own, seal and sign with the same keys:
 * a candidate's workspace cookie issued by one is valid on the others, and a password one sealed
 * the others read.
 */
class KeysAcrossReplicasTest {

  private final DatabaseSettings db = PostgresServer.shared().newDatabase();

  @Test
  void withoutASecretKeyReplicasStartingTogetherAgreeOnKeysKeptInTheDatabase(
      @TempDir Path a, @TempDir Path b, @TempDir Path c, @TempDir Path late) throws Exception {
    // given three replicas that start at the same moment, none with PREQUEL_SECRET_KEY
    List<Stores.Keys> keys = startTogether(List.of(a, b, c), null);
    // when the first lets a candidate in and seals a password
    String cookie = keys.get(0).cookies().mint("pgecookie");
    String sealed = keys.get(0).box().seal("pge-password", "pge");
    // then the others accept that cookie for that interview only, and read the password
    for (Stores.Keys other : keys.subList(1, 3)) {
      assertThat(other.cookies().verify("pgecookie", Optional.of(cookie))).isTrue();
      assertThat(other.cookies().verify("pgeother", Optional.of(cookie))).isFalse();
      assertThat(other.box().open(sealed, "pge")).isEqualTo("pge-password");
    }
    // and a replica started later agrees too
    assertThat(
            startTogether(List.of(late), null)
                .get(0)
                .cookies()
                .verify("pgecookie", Optional.of(cookie)))
        .isTrue();
  }

  @Test
  void theFirstReplicaOfAnInstallationThatRanOnePrequelKeepsReadingWhatItsOldKeySealed(
      @TempDir Path a, @TempDir Path b) throws Exception {
    // given a data folder whose key sealed a password while it was the only Prequel
    Path single = a.resolve("single");
    Stores.Keys before =
        keysOn(single, Database.open(DatabaseSettings.EMBEDDED, prepared(single)), null);
    String sealed = before.box().seal("pge-old-password", "pge");
    // when it starts on PostgreSQL first, then a second replica
    Stores.Keys first = startTogether(List.of(single), null).get(0);
    Stores.Keys second = startTogether(List.of(b), null).get(0);
    // then both read what was sealed before
    assertThat(first.box().open(sealed, "pge")).isEqualTo("pge-old-password");
    assertThat(second.box().open(sealed, "pge")).isEqualTo("pge-old-password");
  }

  @Test
  void withTheSameSecretKeyReplicasShareKeysAndNoneIsKeptInTheDatabase(
      @TempDir Path a, @TempDir Path b) throws Exception {
    // given two replicas with the same PREQUEL_SECRET_KEY
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String secret = Base64.getEncoder().encodeToString(key);
    TestLogs.secret(secret);
    List<Stores.Keys> keys = startTogether(List.of(a, b), secret);
    // then a cookie and a password from one are good on the other
    String cookie = keys.get(0).cookies().mint("pgesecret");
    assertThat(keys.get(1).cookies().verify("pgesecret", Optional.of(cookie))).isTrue();
    assertThat(keys.get(1).box().open(keys.get(0).box().seal("pge-pw", "pge"), "pge"))
        .isEqualTo("pge-pw");
    // and the database holds no key
    try (Database opened = Database.open(db, a)) {
      int stored =
          opened
              .jdbi()
              .withHandle(
                  h ->
                      h.createQuery("SELECT COUNT(*) FROM shared_keys").mapTo(Integer.class).one());
      assertThat(stored).isZero();
    }
  }

  /** Each data folder's keys, loaded by replicas starting at once on the test's database. */
  private List<Stores.Keys> startTogether(List<Path> dataDirs, String secret) throws Exception {
    ExecutorService starts = Executors.newFixedThreadPool(dataDirs.size());
    try {
      List<Future<Stores.Keys>> started = new ArrayList<>();
      for (Path dir : dataDirs) {
        Callable<Stores.Keys> start =
            () -> {
              try (Database opened = Database.open(db, prepared(dir))) {
                return keysOn(dir, opened, secret);
              }
            };
        started.add(starts.submit(start));
      }
      List<Stores.Keys> keys = new ArrayList<>();
      for (Future<Stores.Keys> f : started) {
        keys.add(f.get());
      }
      return keys;
    } finally {
      starts.shutdownNow();
    }
  }

  private static Path prepared(Path dir) throws java.io.IOException {
    Files.createDirectories(dir);
    return dir;
  }

  private Stores.Keys keysOn(Path dataDir, Database opened, String secret) throws Exception {
    try (opened) {
      Map<String, String> env = new HashMap<>();
      env.put("PREQUEL_DATA_DIR", dataDir.toString());
      if (secret != null) {
        env.put("PREQUEL_SECRET_KEY", secret);
      }
      return Stores.keys(Config.fromEnv(env), opened, Clock.systemUTC());
    }
  }
}
