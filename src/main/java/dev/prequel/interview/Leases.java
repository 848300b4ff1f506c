package dev.prequel.interview;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ownership for replicas sharing one PostgreSQL: a lease per interview ({@code interview_leases}),
 * held by one replica until an instant. The owner renews all its leases every {@link #HEARTBEAT} in
 * one statement; every replica looks twice a heartbeat for interviews that need an owner and have
 * none (a dead replica's, whose leases expired) and takes them with a compare-and-set. A replica
 * killed with SIGKILL thus loses its interviews at most {@code lease} after its last renewal, and
 * they are taken within half a heartbeat more.
 *
 * <p>An owner acts on an interview only while its own view of the lease is valid: until the start
 * of its last successful renewal plus the lease, less {@link #SKEW}, which allows for the replicas'
 * clocks to differ by that much. A replica that cannot renew (the database unreachable, a long
 * pause) stops acting on its interviews before anyone else may take them; when it renews again it
 * looks at each one it still holds.
 *
 * <p>See CONTRIBUTING, "Several replicas: who runs an interview".
 */
public final class Leases implements Ownership, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Leases.class);

  /** How often leases are renewed and expired ones looked for. */
  public static final Duration HEARTBEAT = Duration.ofSeconds(1);

  /** How long a lease lasts without renewal: three heartbeats. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(3);

  /** How many expired leases one statement takes. */
  private static final int CHUNK = 50;

  /** How far the replicas' clocks may differ; an owner stops this much before its lease ends. */
  static final Duration SKEW = Duration.ofMillis(500);

  /** The statuses whose interview needs an owner (plus any with files waiting for the archive). */
  private static final Set<Status> LIVE =
      EnumSet.complementOf(EnumSet.of(Status.DESTROYED, Status.CANCELLED, Status.ERROR));

  private final LeaseStore store;
  private final String me;
  private final Clock clock;
  private final Duration lease;

  /** The leases this replica holds, each with the instant until which it acts on it. */
  private final Map<String, Instant> held = new ConcurrentHashMap<>();

  /**
   * Orders the claims, releases and renewals of this replica against each other, so a renewal that
   * read the table before a release does not bring the released lease back.
   */
  private final Object changes = new Object();

  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "prequel-leases");
            t.setDaemon(true);
            return t;
          });

  private volatile Consumer<String> wake = id -> {};
  private volatile boolean failing;

  public Leases(Jdbi jdbi, String replicaId, Clock clock, Duration lease) {
    if (lease.compareTo(HEARTBEAT.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("a lease must outlast two heartbeats: " + lease);
    }
    this.store = new LeaseStore(jdbi);
    this.me = replicaId;
    this.clock = clock;
    this.lease = lease;
  }

  /** A name for this process, unique among replicas (a restarted replica is a new one). */
  public static String newReplicaId() {
    byte[] b = new byte[6];
    new SecureRandom().nextBytes(b);
    String host = System.getenv().getOrDefault("HOSTNAME", "prequel");
    host = host.length() > 40 ? host.substring(0, 40) : host;
    return host + "-" + HexFormat.of().formatHex(b);
  }

  public String replicaId() {
    return me;
  }

  /**
   * Renews and takes over every {@link #HEARTBEAT} on a thread of its own (a slow reconcile pass on
   * the timers' thread must not delay a renewal); {@code wake} is told of each interview this
   * replica gains, or is asked to look at again.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // each run logs its own failure
  public void start(Consumer<String> wake) {
    onWake(wake);
    long period = HEARTBEAT.toMillis();
    ticker.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
    // A second look for expired leases between renewals: a dead replica's interviews are then
    // taken at most half a heartbeat after its leases run out, not a whole one.
    ticker.scheduleWithFixedDelay(this::lookAgain, period / 2, period, TimeUnit.MILLISECONDS);
  }

  private void lookAgain() {
    if (failing) {
      return; // the next renewal says when the database answers again
    }
    try {
      takeOver();
    } catch (RuntimeException e) {
      log.debug("leases: take-over pass failed: {}", e.toString());
    }
  }

  /**
   * Who is told of each interview gained or nudged (tests beat by hand, without {@link #start}).
   */
  void onWake(Consumer<String> wake) {
    this.wake = wake;
  }

  /** One heartbeat: renew, then take over what has no owner. */
  void tick() {
    try {
      renew();
      takeOver();
      if (failing) {
        failing = false;
        log.info("leases: the database answers again; holding {} interview(s)", held.size());
      }
    } catch (RuntimeException e) {
      if (!failing) {
        failing = true;
        log.warn(
            "leases: cannot renew ({}); this replica stops working on its interviews once its"
                + " leases run out, and resumes when the database answers",
            e.toString());
      }
    }
  }

  @Override
  public boolean acquire(String interviewId) {
    Instant until = held.get(interviewId);
    if (until != null && now().isBefore(until)) {
      return true;
    }
    synchronized (changes) {
      Instant now = now();
      if (store.claim(interviewId, me, now, now.plus(lease))) {
        held.put(interviewId, now.plus(lease).minus(SKEW));
        return true;
      }
      held.remove(interviewId);
      return false;
    }
  }

  @Override
  public void release(String interviewId) {
    synchronized (changes) {
      held.remove(interviewId);
      store.release(interviewId, me);
    }
  }

  @Override
  public void nudgeOwner(String interviewId) {
    store.nudge(interviewId);
  }

  @Override
  public Set<String> ownedElsewhere() {
    return new HashSet<>(store.heldByOthers(me, now()));
  }

  /** Whether this replica acts on the interview right now (no database call). */
  boolean holds(String interviewId) {
    Instant until = held.get(interviewId);
    return until != null && now().isBefore(until);
  }

  /**
   * Extends this replica's leases. Wakes each interview it had stopped acting on (its view of the
   * lease had run out) and each one another replica nudged.
   */
  void renew() {
    List<String> toWake = new ArrayList<>();
    synchronized (changes) {
      Instant start = now();
      Map<String, Integer> mine = store.renew(me, start.plus(lease));
      Instant until = start.plus(lease).minus(SKEW);
      for (Map.Entry<String, Integer> e : mine.entrySet()) {
        Instant before = held.put(e.getKey(), until);
        int nudges = e.getValue();
        if (nudges > 0) {
          store.clearNudges(e.getKey(), me, nudges);
        }
        if (before == null || !start.isBefore(before) || nudges > 0) {
          toWake.add(e.getKey());
        }
      }
      held.keySet().retainAll(mine.keySet());
    }
    toWake.forEach(wake);
  }

  /**
   * Takes every interview that needs an owner and has none (never had one, or its owner's lease
   * expired), in random order and in chunks, so that surviving replicas share a dead one's
   * interviews and take hundreds in a few statements.
   */
  void takeOver() {
    store.forgetEnded(LIVE, now());
    Map<String, Boolean> free = store.unowned(LIVE, now());
    List<String> expired = new ArrayList<>();
    List<String> gained = new ArrayList<>();
    free.forEach(
        (id, leased) -> {
          if (leased) {
            expired.add(id);
          } else if (!holds(id) && acquire(id)) {
            gained.add(id); // never had an owner: its creator's replica died, or has not looked yet
          }
        });
    Collections.shuffle(expired);
    for (int from = 0; from < expired.size(); from += CHUNK) {
      List<String> chunk = expired.subList(from, Math.min(expired.size(), from + CHUNK));
      synchronized (changes) {
        Instant now = now();
        for (String id : store.claimExpired(chunk, me, now, now.plus(lease))) {
          Instant before = held.put(id, now.plus(lease).minus(SKEW));
          if (before == null || !now.isBefore(before)) {
            gained.add(id);
          }
        }
      }
    }
    if (!gained.isEmpty()) {
      log.info("leases: took over {} interview(s) that had no live owner", gained.size());
    }
    gained.forEach(wake);
  }

  /** Stops renewing and gives every lease up, so that the other replicas take them at once. */
  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (changes) {
      held.clear();
      try {
        store.releaseAll(me);
      } catch (RuntimeException e) {
        log.warn("leases: could not give them up ({}); they expire on their own", e.toString());
      }
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
