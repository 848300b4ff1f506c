package dev.prequel.testing;

import dev.prequel.schedule.Timers;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Timers that fire when the test moves the clock, in the order they are due. */
public final class ManualTimers implements Timers {

  private record Pending(Instant when, Runnable task) {}

  private final MutableClock clock;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  public ManualTimers(MutableClock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void schedule(String key, Instant when, Runnable task) {
    pending.put(key, new Pending(when, task));
  }

  @Override
  public synchronized void cancel(String key) {
    pending.remove(key);
  }

  public synchronized Optional<Instant> dueAt(String key) {
    return Optional.ofNullable(pending.get(key)).map(Pending::when);
  }

  /** Moves the clock forward, running each timer at its due time on the way. */
  public void advance(Duration d) {
    Instant target = clock.instant().plus(d);
    while (true) {
      Map.Entry<String, Pending> next;
      synchronized (this) {
        next =
            pending.entrySet().stream()
                .filter(e -> !e.getValue().when().isAfter(target))
                .min(Comparator.comparing(e -> e.getValue().when()))
                .orElse(null);
        if (next != null) {
          pending.remove(next.getKey());
        }
      }
      if (next == null) {
        break;
      }
      if (next.getValue().when().isAfter(clock.instant())) {
        clock.advance(Duration.between(clock.instant(), next.getValue().when()));
      }
      next.getValue().task().run();
    }
    clock.advance(Duration.between(clock.instant(), target));
  }
}
