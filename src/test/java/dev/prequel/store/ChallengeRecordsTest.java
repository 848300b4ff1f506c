package dev.prequel.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.ChallengeRecords.ChallengeRecord;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The library's facts about challenges, on the embedded H2 and on PostgreSQL. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class ChallengeRecordsTest {

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  ChallengeRecords records;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    records = new ChallengeRecords(db.jdbi());
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aChallengeSeenAgainKeepsWhenItWasFirstAdded() {
    ChallengeRecord first = records.ensure("hello", T0);
    ChallengeRecord again = records.ensure("hello", T0.plusSeconds(60));
    assertThat(again).isEqualTo(first);
    assertThat(first.addedAt()).isEqualTo(T0);
    assertThat(first.useCount()).isZero();
    assertThat(first.lastUsedAt()).isNull();
  }

  @Test
  void usesAreCountedAndADeletedChallengeUploadedAgainIsOfferedAgain() {
    records.recordUse("hello", T0);
    records.recordUse("hello", T0.plusSeconds(10));
    records.markDeleted("hello", T0.plusSeconds(20));
    ChallengeRecord deleted = records.find("hello").orElseThrow();
    assertThat(deleted.useCount()).isEqualTo(2);
    assertThat(deleted.lastUsedAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(deleted.deletedAt()).isEqualTo(T0.plusSeconds(20));
    records.added("hello", T0.plusSeconds(30));
    ChallengeRecord back = records.find("hello").orElseThrow();
    assertThat(back.deleted()).isFalse();
    assertThat(back.addedAt()).isEqualTo(T0.plusSeconds(30));
    assertThat(back.useCount()).isEqualTo(2);
    assertThat(records.all()).containsOnlyKeys("hello");
  }

  @Test
  void requestsFirstSeeingOneChallengeTogetherAllGetTheSameRecord() throws Exception {
    ExecutorService requests = Executors.newFixedThreadPool(6);
    try {
      List<Callable<ChallengeRecord>> tries = new ArrayList<>();
      for (int n = 0; n < 6; n++) {
        Instant at = T0.plusSeconds(n);
        tries.add(() -> records.ensure("racy", at));
      }
      List<ChallengeRecord> seen = new ArrayList<>();
      for (Future<ChallengeRecord> f : requests.invokeAll(tries)) {
        seen.add(f.get());
      }
      assertThat(seen).containsOnly(records.find("racy").orElseThrow());
    } finally {
      requests.shutdownNow();
    }
  }
}
