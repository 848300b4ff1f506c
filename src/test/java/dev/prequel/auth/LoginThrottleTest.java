package dev.prequel.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The throttle, counting in the embedded H2 and in PostgreSQL. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class LoginThrottleTest {

  static final LoginThrottle.Limits LIMITS =
      new LoginThrottle.Limits(3, 10, Duration.ofMinutes(15));

  @Parameter Database.Kind kind;
  @TempDir Path data;
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T09:00:00Z"));
  DatabaseSettings where;
  Database db;
  LoginFailures failures;
  LoginThrottle throttle;

  @BeforeEach
  void open() {
    where = TestDatabases.fresh(kind);
    db = Database.open(where, data);
    failures = new LoginFailures(db.jdbi());
    throttle = new LoginThrottle(LIMITS, failures, clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void anAccountIsSlowedDownAtTheFailingAddressOnlyAndLetInAgainOnceFailuresAgeOut() {
    // given three wrong passwords for ann from one address
    for (int n = 0; n < 3; n++) {
      throttle.check("ann@example.com", "10.0.0.1");
      throttle.failed("ann@example.com", "10.0.0.1");
    }
    // then that address is held up for ann
    assertThatThrownBy(() -> throttle.check("ann@example.com", "10.0.0.1"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("try again in 15 minute(s)");
    // while ann from another address, and bob from the same one, go on at once
    assertThatCode(() -> throttle.check("ann@example.com", "10.0.0.2")).doesNotThrowAnyException();
    assertThatCode(() -> throttle.check("bob@example.com", "10.0.0.1")).doesNotThrowAnyException();

    clock.advance(Duration.ofMinutes(15).plusSeconds(1));
    assertThatCode(() -> throttle.check("ann@example.com", "10.0.0.1")).doesNotThrowAnyException();
  }

  @Test
  void anAddressGuessingManyAccountsIsSlowedDownForAllOfThemAndNoOtherAddressIs() {
    for (int n = 0; n < 10; n++) {
      throttle.failed("user" + n + "@example.com", "10.0.0.1");
    }
    assertThatThrownBy(() -> throttle.check("admin@example.com", "10.0.0.1"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("from your address");
    assertThatCode(() -> throttle.check("admin@example.com", "10.0.0.2"))
        .doesNotThrowAnyException();
  }

  @Test
  void aSuccessForgivesTheAccountAtThatAddressOnly() {
    for (int n = 0; n < 2; n++) {
      throttle.failed("ann@example.com", "10.0.0.1");
      throttle.failed("ann@example.com", "10.0.0.2");
    }
    throttle.succeeded("ann@example.com", "10.0.0.1");
    throttle.failed("ann@example.com", "10.0.0.1");
    throttle.failed("ann@example.com", "10.0.0.2");
    assertThatCode(() -> throttle.check("ann@example.com", "10.0.0.1")).doesNotThrowAnyException();
    assertThatThrownBy(() -> throttle.check("ann@example.com", "10.0.0.2"))
        .isInstanceOf(ProblemException.class);
  }

  @Test
  void ipv6AddressesCountByTheirSlash64() {
    for (int n = 0; n < 3; n++) {
      throttle.failed("ann@example.com", "2001:db8:1:2::" + (n + 1));
    }
    assertThatThrownBy(() -> throttle.check("ann@example.com", "2001:db8:1:2:ffff::9"))
        .isInstanceOf(ProblemException.class);
    assertThatCode(() -> throttle.check("ann@example.com", "2001:db8:1:3::1"))
        .doesNotThrowAnyException();
    assertThat(LoginThrottle.addressKey("::ffff:10.1.2.3")).isEqualTo("10.1.2.3");
    assertThat(LoginThrottle.addressKey("[2001:db8::1]")).isEqualTo("2001:0db8:0000:0000::/64");
    assertThat(LoginThrottle.addressKey("not-an-address")).isEqualTo("not-an-address");
  }

  @Test
  void failuresOlderThanTheWindowAreDeletedAsNewOnesComeIn() {
    // given a spray of wrong guesses, one per name
    for (int n = 0; n < 50; n++) {
      throttle.failed("guess-" + n + "@example.com", "10.0.0.1");
    }
    assertThat(failures.count()).isEqualTo(100); // each counts for the name and the address
    // when the window has passed and one more failure comes in
    clock.advance(Duration.ofMinutes(16));
    throttle.failed("late@example.com", "10.0.0.9");
    // then only that one is kept
    assertThat(failures.count()).isEqualTo(2);
  }

  @Test
  void replicasOnOneDatabaseCountTheSameFailures() {
    // given a second replica's throttle, with its own connections to the same database
    try (Database other = kind == Database.Kind.POSTGRES ? Database.open(where, data) : null) {
      LoginThrottle replica =
          new LoginThrottle(
              LIMITS, new LoginFailures(other == null ? db.jdbi() : other.jdbi()), clock);
      // when a guesser spreads three wrong passwords over the two replicas
      throttle.failed("ann@example.com", "10.0.0.1");
      replica.failed("ann@example.com", "10.0.0.1");
      throttle.failed("ann@example.com", "10.0.0.1");
      // then both hold them up
      assertThatThrownBy(() -> replica.check("ann@example.com", "10.0.0.1"))
          .isInstanceOf(ProblemException.class);
      assertThatThrownBy(() -> throttle.check("ann@example.com", "10.0.0.1"))
          .isInstanceOf(ProblemException.class);
      // and a success on one forgives the account on both
      replica.succeeded("ann@example.com", "10.0.0.1");
      assertThatCode(() -> throttle.check("ann@example.com", "10.0.0.1"))
          .doesNotThrowAnyException();
    }
  }

  @Test
  void anAbsurdlyLongNameIsCountedLikeAnyOther() {
    String name = "x".repeat(10_000) + "@example.com";
    for (int n = 0; n < 3; n++) {
      throttle.failed(name, "10.0.0.1");
    }
    assertThatThrownBy(() -> throttle.check(name, "10.0.0.1")).isInstanceOf(ProblemException.class);
  }
}
