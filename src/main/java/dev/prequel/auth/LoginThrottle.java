package dev.prequel.auth;

import dev.prequel.error.ProblemException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows down password guessing: after too many failed sign-ins for one account, or from one
 * address, within a window, further attempts are refused until the oldest failure ages out.
 */
public final class LoginThrottle {

  /** Failures allowed per key within {@code window}. */
  public record Limits(int perAccount, int perAddress, Duration window) {
    public static final Limits DEFAULT = new Limits(5, 20, Duration.ofMinutes(15));
  }

  /** Past this many tracked accounts and addresses, those with no recent failure are dropped. */
  static final int SWEEP_AT = 10_000;

  private final Limits limits;
  private final Clock clock;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  public LoginThrottle(Limits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
  }

  /** Throws (429) when this account or address has failed too often lately. */
  public void check(String account, String address) {
    check("account " + account, limits.perAccount());
    check("address " + address, limits.perAddress());
  }

  public void failed(String account, String address) {
    record("account " + account);
    record("address " + address);
  }

  /** A successful sign-in forgives the account's failures (not the address's). */
  public void succeeded(String account) {
    failures.remove("account " + account);
  }

  private void check(String key, int allowed) {
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
            "too many failed sign-ins; try again in " + minutes + " minute(s)");
      }
    }
  }

  private void record(String key) {
    if (failures.size() >= SWEEP_AT) {
      sweep(); // many distinct names or addresses (a spray): keep memory to the recent ones
    }
    failures.compute(
        key,
        (k, times) -> {
          Deque<Instant> t = times == null ? new ArrayDeque<>() : times;
          synchronized (t) {
            prune(t);
            t.addLast(clock.instant());
          }
          return t;
        });
  }

  /** Forgets the keys whose failures all aged out (atomically per key, so none is lost). */
  private void sweep() {
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
}
