package dev.prequel.schedule;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Threads that do not keep the JVM alive, named by what they do and a number. */
public final class Daemons {

  private Daemons() {}

  public static ThreadFactory named(String prefix) {
    AtomicInteger number = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + number.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
