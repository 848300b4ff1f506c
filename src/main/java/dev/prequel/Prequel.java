package dev.prequel;

import dev.prequel.archive.Archive;
import dev.prequel.archive.ArchiveStore;
import dev.prequel.archive.PeriodicSnapshots;
import dev.prequel.archive.Retention;
import dev.prequel.archive.Snapshot;
import dev.prequel.archive.Snapshots;
import dev.prequel.auth.AccountStore;
import dev.prequel.auth.Accounts;
import dev.prequel.auth.LoginFailures;
import dev.prequel.auth.LoginThrottle;
import dev.prequel.challenge.ChallengeArchive;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.challenge.HostTools;
import dev.prequel.interview.CandidateClocks;
import dev.prequel.interview.Cleaner;
import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Interviews;
import dev.prequel.interview.Leases;
import dev.prequel.interview.Lifecycle;
import dev.prequel.interview.Ownership;
import dev.prequel.interview.Reconciler;
import dev.prequel.interview.TakeHomeStore;
import dev.prequel.interview.TakeHomes;
import dev.prequel.metrics.Metrics;
import dev.prequel.metrics.ProxyMetricsHandler;
import dev.prequel.pool.WarmPool;
import dev.prequel.proxy.CandidateLogin;
import dev.prequel.proxy.DatabasePasswordFailures;
import dev.prequel.proxy.LiveWorkspaces;
import dev.prequel.proxy.ProxyReadiness;
import dev.prequel.proxy.TakeHomeDoor;
import dev.prequel.proxy.WorkspaceCookies;
import dev.prequel.proxy.WorkspaceProxy;
import dev.prequel.review.Review;
import dev.prequel.review.ReviewStore;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.schedule.ClockTimers;
import dev.prequel.schedule.Daemons;
import dev.prequel.seat.Seat;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.DataFolder;
import dev.prequel.store.Database;
import dev.prequel.store.SecretBox;
import dev.prequel.web.PublicUrls;
import dev.prequel.web.SetupLink;
import dev.prequel.web.WebServer;
import dev.prequel.webhook.WebhookStore;
import dev.prequel.webhook.Webhooks;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.client.HttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Prequel's parts from the configuration and connects them: the one place where wiring
 * happens. Read top to bottom, {@link #start} is the architecture.
 */
public final class Prequel implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Prequel.class);

  private final Config config;
  private final WorkspaceRuntime runtime;
  private final Interviews interviews;
  private final WebServer web;
  private final ClockTimers timers;
  private final ExecutorService workers;
  private final ExecutorService archiver;
  private final List<AutoCloseable> clients; // the readiness probes' HTTP client, webhooks'
  private final Database db;
  private final Cleaner cleaner;
  private final WarmPool pool;
  private final InterviewEvents events;
  private final Ownership ownership;

  private Prequel(
      Config config,
      WorkspaceRuntime runtime,
      Interviews interviews,
      WebServer web,
      ClockTimers timers,
      ExecutorService workers,
      ExecutorService archiver,
      List<AutoCloseable> clients,
      Database db,
      Cleaner cleaner,
      WarmPool pool,
      InterviewEvents events,
      Ownership ownership) {
    this.events = events;
    this.ownership = ownership;
    this.cleaner = cleaner;
    this.pool = pool;
    this.archiver = archiver;
    this.db = db;
    this.config = config;
    this.runtime = runtime;
    this.interviews = interviews;
    this.web = web;
    this.timers = timers;
    this.workers = workers;
    this.clients = clients;
  }

  /** With the runtime the configuration names (the embedded default: processes on this host). */
  public static Prequel start(Config config, Clock clock) throws Exception {
    DataFolder.secure(config.dataDir());
    WorkspaceRuntime runtime = Runtimes.of(config, clock);
    runtime.describe().warning().ifPresent(log::warn);
    return start(config, clock, runtime);
  }

  public static Prequel start(Config config, Clock clock, WorkspaceRuntime runtime)
      throws Exception {
    config = config.withAnyPortChosen();
    // Only Prequel's user may open the data folder and the archive, whatever the umask.
    DataFolder.secure(config.dataDir());
    DataFolder.secure(config.archive().dir());
    Database db = Database.open(config.database(), config.dataDir());
    List<String> replicaProblems = ReplicaCheck.problems(config, runtime.name());
    replicaProblems.forEach(p -> log.warn("several replicas: {}", p));
    Stores.Keys keys = Stores.keys(config, db, clock);
    SecretBox secretBox = keys.box();
    InterviewStore store = new InterviewStore(db.jdbi(), secretBox);
    int sealed = store.sealPlainPasswords();
    if (sealed > 0) {
      log.info("encrypted {} candidate password(s) stored by an earlier version", sealed);
    }
    Accounts accounts =
        new Accounts(
            new AccountStore(db.jdbi()),
            new LoginThrottle(LoginThrottle.Limits.DEFAULT, new LoginFailures(db.jdbi()), clock),
            clock,
            config.auth().bcryptCost());
    ChallengeLibrary challenges =
        new ChallengeLibrary(
            Stores.challenges(config),
            new ChallengeRecords(db.jdbi()),
            HostTools.forRuntime(config.runtime().kind(), clock),
            new ChallengeArchive(ChallengeArchive.Limits.DEFAULT),
            config.dataDir().resolve("uploads"),
            clock);
    InterviewEvents events = new InterviewEvents(Stores.events(config, db, secretBox, clock));
    HttpClient http = new HttpClient();
    http.setUserAgentField(null);
    http.start();
    ClockTimers timers = new ClockTimers(clock);
    ExecutorService workers = Executors.newFixedThreadPool(8, Daemons.named("prequel-worker-"));
    // Candidates log in at the proxy; the key signs their cookies, survives restarts and is the
    // same on every replica.
    WorkspaceCookies cookies = keys.cookies();
    ArchiveStore archiveStore = Stores.archive(config);
    Snapshots snapshots = new Snapshots(archiveStore, runtime, config.archive().policy(), clock);
    // Replicas on one PostgreSQL each work on the interviews they hold a lease on (issue 14, 2).
    Leases leases =
        db.kind() == Database.Kind.POSTGRES
            ? new Leases(db.jdbi(), Leases.newReplicaId(), clock, Leases.DEFAULT_LEASE)
            : null;
    // Spares answer on their socket before they are counted ready; they have no public host yet.
    // Replicas sharing a runtime each keep their own (a spare not seen for three checks, or a
    // minute, belonged to a replica that is gone).
    WarmPool pool =
        new WarmPool(
            runtime,
            config.poolSize(),
            w -> ProxyReadiness.answersDirectly(http, w),
            config.readyTimeout(),
            Stores.spareOwners(db, leases, clock, config.reconcileInterval()));
    Ownership ownership = leases == null ? Ownership.single() : leases;
    Lifecycle lifecycle =
        new Lifecycle(
            store,
            challenges,
            runtime,
            new ProxyReadiness(http, config.baseDomain(), config::port, cookies),
            events,
            timers,
            workers,
            clock,
            config.provisionLead(),
            config.readyTimeout(),
            snapshots,
            pool,
            ownership);
    Archive archive = new Archive(store, archiveStore, lifecycle, clock);
    TakeHomeStore takeHomeStore = new TakeHomeStore(db.jdbi());
    Interviews interviews =
        new Interviews(
            store,
            takeHomeStore,
            challenges,
            lifecycle,
            events,
            clock,
            new Interviews.Limits(config.minDurationMinutes(), config.maxDurationMinutes()));
    TakeHomes takeHomes =
        new TakeHomes(store, takeHomeStore, interviews, challenges, lifecycle, events, clock);
    PublicUrls urls =
        new PublicUrls(config.publicScheme(), config.baseDomain(), config.publicPort());
    new CandidateClocks(runtime, takeHomeStore, id -> urls.workspace(id) + "_prequel/submit")
        .follow(events);
    CandidateLogin login =
        new CandidateLogin(
            cookies,
            id -> store.find(id).map(Interview::password),
            "https".equals(config.publicScheme()),
            clock,
            // in the database: a guesser spreading tries over replicas is counted once
            new DatabasePasswordFailures(new LoginFailures(db.jdbi())));
    WorkspaceProxy proxy =
        new WorkspaceProxy(
            config.baseDomain(),
            new LiveWorkspaces(store, runtime, events),
            login,
            TakeHomeDoor.of(takeHomes));
    // One thread makes the deliveries: in order, and never on a lifecycle worker.
    Webhooks webhooks =
        new Webhooks(
                new WebhookStore(db.jdbi(), secretBox),
                timers,
                Executors.newSingleThreadExecutor(Daemons.named("prequel-webhooks-")),
                clock,
                config.webhooksToPrivateAddresses())
            .follow(events, takeHomes);
    AtomicReference<WebServer> served = new AtomicReference<>();
    Metrics metrics =
        new Metrics(
            store,
            events,
            runtime,
            () -> served.get() == null ? 0 : served.get().liveClients(),
            config.provisionLead());
    metrics.watch(pool);
    ProxyMetricsHandler metered = new ProxyMetricsHandler(config.baseDomain(), metrics);
    metered.setHandler(proxy);
    WebServer web =
        new WebServer(
                config.bindHost(),
                config.port(),
                interviews,
                challenges,
                config.dataDir().resolve("uploads"),
                events,
                urls,
                metered,
                () -> Health.of(runtime, pool, replicaProblems),
                runtime.describe().warning().orElse(null),
                archive,
                metrics,
                accounts,
                config.clientAddress(),
                takeHomes,
                new Review(new ReviewStore(db.jdbi()), interviews, challenges, clock),
                webhooks,
                Seat.of(runtime, interviews, challenges, config.archive().policy(), clock))
            .start();
    served.set(web);
    accounts
        .bootstrap(config.auth().adminEmail(), config.auth().adminPassword())
        .ifPresent(token -> SetupLink.print(urls, token));
    timers.every(Duration.ofHours(1), Duration.ofHours(1), accounts::deleteExpiredSessions);

    Reconciler reconciler =
        new Reconciler(store, runtime, lifecycle, new Cleaner(runtime, snapshots));
    if (leases != null) {
      leases.start(lifecycle::request); // renews, and takes over a dead replica's interviews
    }
    reconciler.reconcileOnce(); // adopt, resume or clean up whatever survived the last run
    pool.start(); // takes back the spares that survived, then fills up in the background
    timers.every(
        config.reconcileInterval(),
        config.reconcileInterval(),
        () -> {
          reconciler.reconcileOnce();
          pool.maintain();
        });
    timers.every(Duration.ofSeconds(15), Duration.ofSeconds(15), web::heartbeat);
    timers.every(WATCHDOG_PERIOD, WATCHDOG_PERIOD, reconciler::checkActiveWorkspaces);
    ExecutorService archiver =
        Executors.newSingleThreadExecutor(Daemons.named("prequel-snapshots-"));
    PeriodicSnapshots periodic =
        new PeriodicSnapshots(store, snapshots, runtime, clock, ownership::acquire);
    Duration snapshotEvery = config.archive().snapshotInterval();
    timers.every(snapshotEvery, snapshotEvery, archiver, periodic);
    timers.every(snapshotEvery, snapshotEvery, workers, periodic::noteFullDisks);
    Retention retention = new Retention(archive, config.archive().retention(), clock);
    timers.every(Duration.ZERO, Duration.ofHours(1), archiver, retention);

    log.info(
        "Prequel is serving the portal at {} (runtime: {}, data: {}, database: {})",
        urls.portal(),
        runtime.name(),
        config.dataDir(),
        db.kind());
    if (leases != null) {
      log.info("replica {}: interviews are shared with the other replicas", leases.replicaId());
    }
    return new Prequel(
        config,
        runtime,
        interviews,
        web,
        timers,
        workers,
        archiver,
        List.of(http::stop, webhooks),
        db,
        new Cleaner(runtime, snapshots),
        pool,
        events,
        ownership);
  }

  /** How soon a workspace whose process exited is noticed (and restarted). */
  private static final Duration WATCHDOG_PERIOD = Duration.ofSeconds(2);

  public int port() {
    return web.port();
  }

  Config config() {
    return config;
  }

  Interviews interviews() {
    return interviews;
  }

  WorkspaceRuntime runtime() {
    return runtime;
  }

  WarmPool pool() {
    return pool;
  }

  /**
   * Stops serving. Workspaces keep running, as after a crash: the next start adopts them. Pass true
   * to stop them too (tests, and an operator who shuts down for good): each is snapshotted into the
   * archive first, and one whose snapshot fails is stopped with its files kept.
   */
  public void stop(boolean stopWorkspaces) {
    web.stop();
    // Steps in flight finish first (with timers still open): interrupted, or refused a timer, a
    // step would record its interview as failed although only Prequel stopped.
    workers.shutdown();
    try {
      if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
      }
      archiver.shutdownNow();
      archiver.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    timers.close();
    // Replicas sharing a runtime each stop only their own workspaces, not the others' interviews.
    java.util.Set<String> others = stopWorkspaces ? ownership.ownedElsewhere() : java.util.Set.of();
    ownership.close(); // gives leases up: the other replicas take this one's interviews at once
    pool.stop(stopWorkspaces);
    if (stopWorkspaces) {
      for (var w :
          runtime.list().stream().filter(w -> !others.contains(w.interviewId())).toList()) {
        String id = w.interviewId();
        try {
          cleaner.cleanup(id, Snapshot.FINAL, line -> log.info("{}: {}", id, line));
        } catch (Cleaner.FilesKept e) {
          log.warn("interview {}: {}", id, e.getMessage());
        } catch (Exception e) {
          log.warn("could not stop workspace {}: {}", id, e.toString());
        }
      }
    }
    for (AutoCloseable client : clients) {
      try {
        client.close();
      } catch (Exception e) {
        log.debug("http client stop: {}", e.toString());
      }
    }
    events.close();
    db.close();
  }

  @Override
  public void close() {
    stop(false);
  }
}
