package dev.prequel.auth;

import dev.prequel.error.ProblemException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Slows down password guessing without locking anyone out: failures are counted per account at one
 * address, and per address. Past either limit within the window, that address is refused (429) for
 * that account (or for every account) until the oldest failure ages out. An address that did not
 * fail is never held up: an attacker cannot keep the admin out by failing on purpose.
 *
 * <p>IPv6 addresses count by their /64, the block one subscriber usually gets. The failures live in
 * the database ({@link LoginFailures}), so replicas behind a load balancer count them together;
 * each new failure deletes those older than the window, so the table holds one window's failures,
 * and their rate is bounded by the bcrypt check each one costs.
 */
public final class LoginThrottle {

  /** Failures allowed within {@code window}: per account from one address, and per address. */
  public record Limits(int perAccountAtAddress, int perAddress, Duration window) {
    public static final Limits DEFAULT = new Limits(5, 20, Duration.ofMinutes(15));
  }

  private final Limits limits;
  private final LoginFailures failures;
  private final Clock clock;

  public LoginThrottle(Limits limits, LoginFailures failures, Clock clock) {
    this.limits = limits;
    this.failures = failures;
    this.clock = clock;
  }

  /** Throws (429) when this account at this address, or this address, failed too often lately. */
  public void check(String account, String address) {
    String from = addressKey(address);
    check(pairKey(account, from), limits.perAccountAtAddress(), "for this account from here");
    check(addressOnlyKey(from), limits.perAddress(), "from your address");
  }

  public void failed(String account, String address) {
    String from = addressKey(address);
    Instant now = clock.instant();
    failures.record(List.of(pairKey(account, from), addressOnlyKey(from)), now);
    failures.purge(now.minus(limits.window()));
  }

  /** A successful sign-in forgives the account's failures at this address (not the address's). */
  public void succeeded(String account, String address) {
    failures.forget(pairKey(account, addressKey(address)));
  }

  /** Digests: the same length whatever was typed, and no address or e-mail kept in plain. */
  private static String pairKey(String account, String address) {
    return Tokens.sha256("account " + account + " at " + address);
  }

  private static String addressOnlyKey(String address) {
    return Tokens.sha256("address " + address);
  }

  private void check(String key, int allowed, String where) {
    Instant now = clock.instant();
    List<Instant> recent = failures.recent(key, now.minus(limits.window()), allowed);
    if (recent.size() >= allowed) {
      // the newest `allowed` failures decide when the key is let in again
      Instant oldestCounted = recent.get(allowed - 1);
      Duration wait = Duration.between(now, oldestCounted.plus(limits.window()));
      long minutes = Math.max(1, (wait.toSeconds() + 59) / 60);
      throw ProblemException.tooManyRequests(
          "too many failed sign-ins " + where + "; try again in " + minutes + " minute(s)");
    }
  }

  /** The address as counted: IPv4 as it is, IPv6 by its /64. */
  static String addressKey(String address) {
    if (address == null) {
      return "";
    }
    String a = address.strip();
    if (a.startsWith("[") && a.endsWith("]")) {
      a = a.substring(1, a.length() - 1);
    }
    // Only a literal is parsed (never a name: that would be a DNS lookup).
    if (a.indexOf(':') < 0 || !a.matches("[0-9A-Fa-f:.]+")) {
      return a;
    }
    try {
      byte[] bytes = InetAddress.getByName(a).getAddress();
      if (bytes.length == 4) {
        return InetAddress.getByAddress(bytes).getHostAddress(); // ::ffff:a.b.c.d
      }
      StringBuilder prefix = new StringBuilder();
      for (int n = 0; n < 8; n += 2) {
        prefix.append(String.format("%02x%02x:", bytes[n], bytes[n + 1]));
      }
      return prefix.append(":/64").toString();
    } catch (UnknownHostException e) {
      return a;
    }
  }
}
