package dev.prequel.interview;

import dev.prequel.store.DatabaseSettings;
import dev.prequel.store.SecretBox;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events shared by every replica on one PostgreSQL. Publishing queues the event; a writer thread
 * appends queued events to {@code interview_events} and sends NOTIFY (retrying, in order, while the
 * database is away). A listener thread holds a connection of its own outside the pool, LISTENs, and
 * after each notification (and at least every second, should one be lost) delivers the rows after
 * the last it delivered. When that connection drops it connects again and catches up from the
 * table: nothing kept is missed. Rows older than {@link #KEEP} are deleted.
 */
public final class PostgresEventChannel implements EventChannel {

  private static final Logger log = LoggerFactory.getLogger(PostgresEventChannel.class);

  /** How long events are kept for streams that reconnect. */
  static final Duration KEEP = Duration.ofHours(1);

  /** Events waiting for the database at most; beyond that they are dropped (and logged). */
  static final int OUTBOX = 10_000;

  private static final Duration POLL = Duration.ofSeconds(1);
  private static final Duration RETRY = Duration.ofSeconds(1);
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);
  private static final int BATCH = 500;

  private final DatabaseSettings settings;
  private final Clock clock;
  private final EventRows rows;
  private final BlockingQueue<Interview> outbox = new LinkedBlockingQueue<>(OUTBOX);
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Thread> threads = new ArrayList<>();
  private volatile Connection listening;
  private long delivered;
  private Instant nextPrune = Instant.MIN;

  public PostgresEventChannel(Jdbi jdbi, DatabaseSettings settings, SecretBox box, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    byte[] origin = new byte[8];
    new java.security.SecureRandom().nextBytes(origin);
    this.rows = new EventRows(jdbi, box, HexFormat.of().formatHex(origin));
  }

  @Override
  public synchronized void start(Consumer<InterviewEvent> sink) {
    delivered = rows.latestId(); // what was raised before this replica started is history
    threads.add(daemon("prequel-events-writer", this::write));
    threads.add(daemon("prequel-events-listener", () -> listen(sink)));
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void publish(Interview interview) {
    if (!outbox.offer(interview)) {
      log.warn(
          "live events: {} events wait for the database already; {} is not shared",
          OUTBOX,
          interview);
    }
  }

  /** The row and its NOTIFY, in the change's transaction: both commit with it, or neither. */
  @Override
  public void record(Handle h, Interview interview) {
    rows.appendIn(h, List.of(interview), clock.instant());
  }

  /** The row was written with the change; the listener delivers it like any other. */
  @Override
  public void recorded(Interview interview) {}

  @Override
  public List<InterviewEvent> since(long afterId, int limit) {
    return rows.since(afterId, limit);
  }

  private boolean closed() {
    return closed.getCount() == 0;
  }

  /** Waits, unless Prequel stops first; true when it stopped. */
  private boolean pause(Duration d) {
    try {
      return closed.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  private void write() {
    List<Interview> batch = new ArrayList<>();
    // At stop, what the last steps published is still written (unless the database is away).
    while (!closed() || !outbox.isEmpty()) {
      try {
        Interview first = outbox.poll(POLL.toMillis(), TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        outbox.drainTo(batch, BATCH - 1);
      } catch (InterruptedException e) {
        return;
      }
      boolean warned = false;
      while (!batch.isEmpty()) {
        try {
          rows.append(batch, clock.instant());
          batch.clear();
          if (warned) {
            log.info("live events: the database is back; waiting events are shared");
          }
        } catch (RuntimeException e) {
          if (!warned) {
            log.warn("live events: cannot share events, retrying: {}", e.getMessage());
            warned = true;
          }
          if (pause(RETRY)) {
            return;
          }
        }
      }
    }
  }

  private void listen(Consumer<InterviewEvent> sink) {
    boolean lost = false;
    while (!closed()) {
      try (Connection c = connect()) {
        listening = c;
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + EventRows.CHANNEL);
        }
        if (lost) {
          log.info("live events: listening again; catching up from event {}", delivered);
          lost = false;
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed()) {
          deliver(c, sink); // also after a reconnect: what was raised meanwhile
          prune(c);
          pg.getNotifications((int) POLL.toMillis()); // returns early on a notification
        }
      } catch (SQLException | RuntimeException e) {
        if (closed()) {
          return;
        }
        if (!lost) {
          log.warn("live events: lost the database connection, reconnecting: {}", e.getMessage());
          lost = true;
        }
        if (pause(RETRY)) {
          return;
        }
      } finally {
        listening = null;
      }
    }
  }

  private void deliver(Connection c, Consumer<InterviewEvent> sink) throws SQLException {
    while (true) {
      EventRows.Read next = rows.after(c, delivered, BATCH);
      for (InterviewEvent e : next.events()) {
        sink.accept(e);
      }
      delivered = next.lastId();
      if (next.rows() < BATCH) {
        return;
      }
    }
  }

  private void prune(Connection c) throws SQLException {
    Instant now = clock.instant();
    if (now.isBefore(nextPrune)) {
      return;
    }
    int gone = rows.prune(c, now.minus(KEEP));
    if (gone > 0) {
      log.debug("live events: deleted {} events older than {}", gone, KEEP);
    }
    nextPrune = now.plus(PRUNE_EVERY);
  }

  /**
   * The listener's own connection, outside the pool (it waits for notifications all the time).
   * Timeouts bound how long a vanished server goes unnoticed.
   */
  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", settings.user());
    if (!settings.password().isEmpty()) {
      p.setProperty("password", settings.password());
    }
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "15");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "prequel-events");
    return DriverManager.getConnection(settings.url(), p);
  }

  @Override
  public void close() {
    closed.countDown();
    Connection c = listening;
    if (c != null) {
      try {
        c.close(); // ends a wait for notifications
      } catch (SQLException e) {
        log.debug("closing the events connection: {}", e.toString());
      }
    }
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
