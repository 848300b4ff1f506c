package dev.prequel.testing;

import dev.prequel.challenge.S3ChallengeStore;
import dev.prequel.challenge.S3Settings;
import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Several Prequel replicas, each a process of its own, sharing what issue 14 says they must: one
 * real PostgreSQL (reached through a {@link TcpProxy} the test can cut), one bucket (S3Proxy) for
 * challenges and archives, one runtime ({@link SharedFakeRuntime}, real HTTP), and the keys
 * (PREQUEL_SECRET_KEY for sealed passwords; the workspace-cookie key, written into each replica's
 * data folder, until replicas share it through the database).
 */
public final class ReplicaCluster implements AutoCloseable {

  public static final String CHALLENGE = "sql-sales-report";

  /** The replicas' connections' {@code application_name}, to count them in pg_stat_activity. */
  public static final String APPLICATION = "prequel-replica";

  public final SharedFakeRuntime runtime;
  public final S3ProxyServer s3;
  public final TcpProxy dbProxy;

  /** The test's own connection, straight to PostgreSQL (not through the proxy). */
  public final Database db;

  public final List<ReplicaProcess> replicas = new ArrayList<>();

  private final Path root;
  private final Map<String, String> env = new HashMap<>();
  private final byte[] cookieKey = new byte[32];
  private int started;

  private ReplicaCluster(Path root, Map<String, String> extraEnv) throws Exception {
    this.root = root;
    DatabaseSettings direct = PostgresServer.shared().newDatabase();
    TestLogs.secret(direct.password());
    db = Database.openPostgres(direct);
    dbProxy = new TcpProxy(PostgresServer.shared().port());
    runtime = new SharedFakeRuntime();
    s3 = new S3ProxyServer();
    s3.createBucket("pgo-replicas");
    S3Settings bucket = s3.settings("pgo-replicas", "challenges/", S3ProxyServer.SECRET);
    try (S3ChallengeStore challenges = new S3ChallengeStore(bucket, root.resolve("seed-cache"))) {
      challenges.put(CHALLENGE, Path.of("challenges", CHALLENGE));
    }
    SecureRandom random = new SecureRandom();
    random.nextBytes(cookieKey);
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    env.putAll(TestAuth.env());
    env.put(
        "PREQUEL_DATABASE_URL",
        direct.url().replace(":" + PostgresServer.shared().port() + "/", ":" + dbProxy.port() + "/")
            + "?ApplicationName="
            + APPLICATION);
    env.put("PREQUEL_DATABASE_USER", direct.user());
    env.put("PREQUEL_DATABASE_PASSWORD", direct.password());
    env.put("PREQUEL_SECRET_KEY", Base64.getEncoder().encodeToString(secret));
    env.put("PREQUEL_S3_BUCKET", "pgo-replicas");
    env.put("PREQUEL_S3_ENDPOINT", s3.endpoint().toString());
    env.put("PREQUEL_S3_REGION", "us-east-1");
    env.put("PREQUEL_S3_ACCESS_KEY_ID", S3ProxyServer.KEY);
    env.put("PREQUEL_S3_SECRET_ACCESS_KEY", S3ProxyServer.SECRET);
    env.put(RemoteFakeRuntime.ENV, runtime.url().toString());
    env.put("PREQUEL_CHALLENGES_DIR", Path.of("challenges").toAbsolutePath().toString());
    env.put("PREQUEL_BCRYPT_COST", "4");
    env.putAll(extraEnv);
  }

  /**
   * Starts {@code n} replicas: the first alone (it migrates and creates the admin), then the rest.
   */
  public static ReplicaCluster start(Path root, int n, Map<String, String> extraEnv)
      throws Exception {
    ReplicaCluster cluster = new ReplicaCluster(root, extraEnv);
    try {
      cluster.startReplica();
      ExecutorService starts = Executors.newFixedThreadPool(Math.max(1, n - 1));
      try {
        List<Future<ReplicaProcess>> rest = new ArrayList<>();
        for (int i = 1; i < n; i++) {
          rest.add(starts.submit(cluster::startReplica));
        }
        for (Future<ReplicaProcess> f : rest) {
          f.get();
        }
      } finally {
        starts.shutdownNow();
      }
    } catch (Exception | Error e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  /** One more replica, in a data folder of its own (a restarted replica is a new one). */
  public ReplicaProcess startReplica() throws IOException {
    String name;
    synchronized (this) {
      name = "r" + started++;
    }
    Path dataDir = root.resolve(name);
    Path keys = dataDir.resolve("keys");
    Files.createDirectories(keys);
    Path key = keys.resolve("workspace-cookie.key");
    Files.write(key, cookieKey);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    ReplicaProcess replica = ReplicaProcess.start(name, dataDir, env);
    synchronized (this) {
      replicas.add(replica);
    }
    return replica;
  }

  public ReplicaProcess replica(int i) {
    return replicas.get(i);
  }

  /** The replicas still running. */
  public synchronized List<ReplicaProcess> alive() {
    return replicas.stream().filter(ReplicaProcess::alive).toList();
  }

  /** Which replica (its lease-holder id) owns each interview right now, from the database. */
  public Map<String, String> owners() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT interview_id, owner FROM interview_leases")
                    .reduceRows(
                        new HashMap<String, String>(),
                        (m, row) -> {
                          m.put(
                              row.getColumn("interview_id", String.class),
                              row.getColumn("owner", String.class));
                          return m;
                        }));
  }

  /** The replicas' connections to PostgreSQL: open, and busy with a statement right now. */
  public record Connections(int open, int busy) {}

  public Connections connections() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        """
                SELECT count(*) AS open, count(*) FILTER (WHERE state = 'active') AS busy
                FROM pg_stat_activity
                WHERE datname = current_database() AND application_name = :app""")
                    .bind("app", APPLICATION)
                    .map((rs, ctx) -> new Connections(rs.getInt("open"), rs.getInt("busy")))
                    .one());
  }

  @Override
  public void close() {
    for (ReplicaProcess r : replicas) {
      r.close();
    }
    runtime.close();
    try {
      s3.close();
      dbProxy.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    db.close();
  }
}
