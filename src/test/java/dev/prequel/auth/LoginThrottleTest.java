package dev.prequel.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T09:00:00Z"));
  private final LoginThrottle throttle =
      new LoginThrottle(new LoginThrottle.Limits(3, 10, Duration.ofMinutes(15)), clock);

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
  void aSprayOfNamesDoesNotPileUpBeyondTheRecentOnes() {
    for (int n = 0; n < LoginThrottle.SWEEP_AT; n++) {
      throttle.failed("guess-" + n + "@example.com", "10.0.0.1");
    }
    assertThat(throttle.tracked()).isEqualTo(LoginThrottle.SWEEP_AT + 1); // +1: the address

    clock.advance(Duration.ofMinutes(16));
    for (int n = 0; n < 2 * LoginThrottle.SWEEP_AT; n++) {
      throttle.failed("late-" + n + "@example.com", "10.0.0.9");
    }
    // the first spray aged out and was swept on the way; the second is kept
    assertThat(throttle.tracked()).isEqualTo(2 * LoginThrottle.SWEEP_AT + 1);
    assertThatThrownBy(() -> throttle.check("late-0@example.com", "10.0.0.9"))
        .isInstanceOf(ProblemException.class);
  }

  @Test
  void aSprayFromManyAddressesWithinTheWindowStaysBoundedAndKeepsWhoIsHeldUp() {
    // given an address held up for an account
    for (int n = 0; n < 3; n++) {
      throttle.failed("admin@example.com", "10.9.9.9");
    }
    // when one wrong password each comes from more addresses than are tracked, all recent
    for (int n = 0; n < LoginThrottle.MAX_TRACKED; n++) {
      throttle.failed(
          "admin@example.com", "10." + (n >> 16) + "." + ((n >> 8) & 255) + "." + n % 256);
    }
    // then memory stays bounded, and the held-up address is still held up
    assertThat(throttle.tracked()).isLessThanOrEqualTo(LoginThrottle.MAX_TRACKED);
    assertThatThrownBy(() -> throttle.check("admin@example.com", "10.9.9.9"))
        .isInstanceOf(ProblemException.class);
  }
}
