package dev.prequel.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.auth.LoginFailures;
import dev.prequel.store.Database;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Candidates' wrong passwords in the database, on H2 and on PostgreSQL: two Prequels on one
 * database count the same tries, per interview, and the interviewers' failures are left alone.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class DatabasePasswordFailuresTest {

  static final Instant T0 = Instant.parse("2026-12-02T11:00:00Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void triesRecordedThroughTwoPrequelsAreCountedTogetherPerInterviewUntilForgiven() {
    // given two Prequels' counters on one database
    PasswordFailures one = new DatabasePasswordFailures(new LoginFailures(db.jdbi()));
    PasswordFailures two = new DatabasePasswordFailures(new LoginFailures(db.jdbi()));
    // when each records wrong passwords for the same interview, and one for another
    for (int n = 0; n < 3; n++) {
      one.record("dpf1", T0.plusSeconds(n));
      two.record("dpf1", T0.plusSeconds(10 + n));
    }
    one.record("dpf2", T0.plusSeconds(20));
    // then either counts all six for the first interview, and only the one for the other
    assertThat(two.countSince("dpf1", T0.minusSeconds(1), 100)).isEqualTo(6);
    assertThat(one.countSince("dpf1", T0.plusSeconds(5), 100)).isEqualTo(3);
    assertThat(one.countSince("dpf2", T0, 100)).isEqualTo(1);
    // when the right password is given through one, then both start the count again
    one.forgive("dpf1");
    assertThat(two.countSince("dpf1", T0.minusSeconds(1), 100)).isZero();
    assertThat(two.countSince("dpf2", T0, 100)).isEqualTo(1);
  }

  @Test
  void aCandidatesTryDeletesOnlyFailuresOlderThanAnyThrottleCounts() {
    // given an interviewer's failed sign-in ten minutes ago (counted for 15 minutes)
    LoginFailures failures = new LoginFailures(db.jdbi());
    failures.record(List.of("interviewer-key"), T0.minus(Duration.ofMinutes(10)));
    failures.record(List.of("interviewer-key"), T0.minus(Duration.ofHours(2)));
    // when a candidate gives a wrong password now
    new DatabasePasswordFailures(failures).record("dpf3", T0);
    // then the interviewer's recent failure still counts, the two-hour-old one is gone
    assertThat(failures.recent("interviewer-key", T0.minus(Duration.ofHours(3)), 10))
        .containsExactly(T0.minus(Duration.ofMinutes(10)));
  }
}
