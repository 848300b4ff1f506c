package dev.prequel.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T09:00:00Z"));
  private final LoginThrottle throttle =
      new LoginThrottle(new LoginThrottle.Limits(3, 1_000_000, Duration.ofMinutes(15)), clock);

  @Test
  void anAccountIsRefusedAfterItsFailuresAndLetInAgainOnceTheyAgeOut() {
    for (int n = 0; n < 3; n++) {
      throttle.check("ann@example.com", "10.0.0.1");
      throttle.failed("ann@example.com", "10.0.0.1");
    }
    assertThatThrownBy(() -> throttle.check("ann@example.com", "10.0.0.2"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("try again in 15 minute(s)");
    throttle.check("bob@example.com", "10.0.0.1"); // another account is not held up

    clock.advance(Duration.ofMinutes(15).plusSeconds(1));
    throttle.check("ann@example.com", "10.0.0.1");
  }

  @Test
  void aSprayOfNamesDoesNotPileUpBeyondTheRecentOnes() {
    for (int n = 0; n < LoginThrottle.SWEEP_AT; n++) {
      throttle.failed("guess-" + n + "@example.com", "10.0.0.1");
    }
    assertThat(throttle.tracked()).isEqualTo(LoginThrottle.SWEEP_AT + 1); // +1: the address

    clock.advance(Duration.ofMinutes(16));
    throttle.failed("late@example.com", "10.0.0.9");
    assertThat(throttle.tracked()).isEqualTo(2); // the old ones swept, the new pair kept

    for (int n = 0; n < 2; n++) {
      throttle.failed("late@example.com", "10.0.0.9");
    }
    assertThatThrownBy(() -> throttle.check("late@example.com", "10.0.0.9"))
        .isInstanceOf(ProblemException.class);
  }
}
