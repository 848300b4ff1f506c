package dev.prequel.auth;

import dev.prequel.error.ProblemException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing without locking anyone out: failures are counted per account at one
 * address, and per address. Past either limit within the window, that address is refused (429) for
 * that account (or for every account) until the oldest failure ages out. An address that did not
 * fail is never held up: an attacker cannot keep the admin out by failing on purpose.
 *
 * <p>IPv6 addresses count by their /64, the block one subscriber usually gets. Memory stays
 * bounded: past {@link #MAX_TRACKED} keys the ones below their limit are forgotten first.
 */
public final class LoginThrottle {

  /** Failures allowed within {@code window}: per account from one address, and per address. */
  public record Limits(int perAccountAtAddress, int perAddress, Duration window) {
    public static final Limits DEFAULT = new Limits(5, 20, Duration.ofMinutes(15));
  }

  /** Past this many tracked keys, those with no recent failure are dropped. */
  static final int SWEEP_AT = 10_000;

  /** Never more keys than this: a spray from many addresses cannot grow the heap without bound. */
  static final int MAX_TRACKED = 50_000;

  private final Limits limits;
  private final Clock clock;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  /** When the next sweep is due: twice what the last one kept, so sweeping stays linear. */
  private volatile int sweepAt = SWEEP_AT;

  public LoginThrottle(Limits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Throws (429) when this account at this address, or this address, failed too often lately. */
  public void check(String account, String address) {
    String from = addressKey(address);
    check(pairKey(account, from), limits.perAccountAtAddress(), "for this account from here");
    check("address " + from, limits.perAddress(), "from your address");
  }

  public void failed(String account, String address) {
    String from = addressKey(address);
    record(pairKey(account, from), limits.perAccountAtAddress());
    record("address " + from, limits.perAddress());
  }

  /** A successful sign-in forgives the account's failures at this address (not the address's). */
  public void succeeded(String account, String address) {
    failures.remove(pairKey(account, addressKey(address)));
  }

  private static String pairKey(String account, String address) {
    return "account " + account + " at " + address;
  }

  private void check(String key, int allowed, String where) {
    Deque<Instant> times = failures.get(key);
    if (times == null) {
      return;
    }
    synchronized (times) {
      prune(times);
      if (times.size() >= allowed) {
        Duration wait = Duration.between(clock.instant(), times.peekFirst().plus(limits.window()));
        long minutes = Math.max(1, (wait.toSeconds() + 59) / 60);
        throw ProblemException.tooManyRequests(
            "too many failed sign-ins " + where + "; try again in " + minutes + " minute(s)");
      }
    }
  }

  private void record(String key, int allowed) {
    if (failures.size() >= sweepAt) {
      sweep(); // many distinct names or addresses (a spray): keep memory to the recent ones
    }
    failures.compute(
        key,
        (k, times) -> {
          Deque<Instant> t = times == null ? new ArrayDeque<>() : times;
          synchronized (t) {
            prune(t);
            t.addLast(clock.instant());
            while (t.size() > allowed) {
              t.removeFirst(); // the newest `allowed` failures decide when the key is let in again
            }
          }
          return t;
        });
  }

  /**
   * Forgets the keys whose failures all aged out (atomically per key, so none is lost); when that
   * is not enough, those below their limit, then any.
   */
  private synchronized void sweep() {
    if (failures.size() < sweepAt) {
      return; // another thread just swept
    }
    for (String key : failures.keySet()) {
      failures.computeIfPresent(
          key,
          (k, times) -> {
            synchronized (times) {
              prune(times);
              return times.isEmpty() ? null : times;
            }
          });
    }
    if (failures.size() >= MAX_TRACKED / 2) {
      evict();
    }
    sweepAt = Math.min(MAX_TRACKED, Math.max(SWEEP_AT, 2 * failures.size()));
  }

  /** All failures are recent: forget those below their limit first, then any, down to half. */
  private void evict() {
    int least = Math.min(limits.perAccountAtAddress(), limits.perAddress());
    failures.entrySet().removeIf(e -> sizeOf(e.getValue()) < least);
    Iterator<String> any = failures.keySet().iterator();
    while (failures.size() >= MAX_TRACKED / 2 && any.hasNext()) {
      any.next();
      any.remove();
    }
  }

  private static int sizeOf(Deque<Instant> times) {
    synchronized (times) {
      return times.size();
    }
  }

  /** How many accounts and addresses have failures on record. */
  int tracked() {
    return failures.size();
  }

  private void prune(Deque<Instant> times) {
    Instant horizon = clock.instant().minus(limits.window());
    while (!times.isEmpty() && !times.peekFirst().isAfter(horizon)) {
      times.removeFirst();
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
