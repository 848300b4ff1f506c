package dev.prequel.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Duration;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;

/**
 * Opens the database and brings its schema up to date: the embedded H2 file (one Prequel), or a
 * PostgreSQL server that several replicas share. The same migrations ({@code db/migration}) and the
 * same queries serve both; the store tests run on both (see CONTRIBUTING, "One SQL for H2 and
 * PostgreSQL").
 */
public final class Database implements AutoCloseable {

  /** Which database this is, for the few things only one of them has (compaction, file modes). */
  public enum Kind {
    H2,
    POSTGRES
  }

  /** Longest a statement on PostgreSQL may take before its connection is given up. */
  public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(15);

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * Longest a session may sit inside a transaction without a statement before the server ends it.
   */
  public static final Duration IDLE_IN_TRANSACTION = Duration.ofSeconds(20);

  private final Kind kind;
  private final Jdbi jdbi;
  private final Runnable closer;

  private Database(Kind kind, DataSource pool, Runnable closer) {
    this.kind = kind;
    this.jdbi = Jdbi.create(pool);
    this.closer = closer;
  }

  /** PostgreSQL when the settings name one, else the embedded file in {@code dataDir}. */
  public static Database open(DatabaseSettings settings, Path dataDir) {
    return settings.embedded() ? openEmbedded(dataDir) : openPostgres(settings);
  }

  /**
   * A PostgreSQL server, through a pool of at most 16 connections. Replicas starting at once
   * migrate one after the other: Flyway holds an advisory lock on PostgreSQL while it migrates.
   */
  public static Database openPostgres(DatabaseSettings settings) {
    HikariConfig c = new HikariConfig();
    c.setPoolName("prequel-db");
    c.setJdbcUrl(settings.url());
    c.setUsername(settings.user());
    // The password goes to the driver as a property, never into the URL (logs, errors).
    c.setPassword(settings.password().isEmpty() ? null : settings.password());
    c.setMaximumPoolSize(16);
    c.setMinimumIdle(2);
    c.setConnectionTimeout(10_000);
    // A connection whose server vanished without a word (a network partition, a failed-over
    // host: no FIN, no RST) would otherwise block its thread for good, a lease renewal or a
    // lifecycle worker included. Every statement answers within SOCKET_TIMEOUT or fails, idle
    // connections are checked every 30 s, and TCP keepalives stay on for the rest.
    c.addDataSourceProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
    c.addDataSourceProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
    c.addDataSourceProperty("tcpKeepAlive", "true");
    c.setKeepaliveTime(30_000);
    // The server's side of the same failure: a session left idle inside a transaction (its
    // replica gone) is ended, and its locks released (the event log's append lock among them),
    // instead of holding every replica's transitions until the server's keepalive notices.
    c.addDataSourceProperty(
        "options", "-c idle_in_transaction_session_timeout=" + IDLE_IN_TRANSACTION.toMillis());
    // Named in pg_stat_activity (a URL's ApplicationName wins: the bench names each replica's).
    c.addDataSourceProperty("ApplicationName", "prequel");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(c);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot connect to PostgreSQL (" + settings + "): " + rootMessage(e), e);
    }
    try {
      migrate(pool);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new Database(Kind.POSTGRES, pool, pool::close);
  }

  private static void migrate(DataSource pool) {
    Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  /**
   * The embedded default: one H2 file in the data folder. H2 locks the file, so a second Prequel on
   * the same data folder fails to start instead of corrupting it.
   */
  public static Database openEmbedded(Path dataDir) {
    // WRITE_DELAY=0: a commit is written before it returns. By default H2 writes commits up to
    // 500 ms later, and a killed process loses them: the lifecycle records each step before acting.
    // REUSE_SPACE=FALSE: new data is appended, never written into freed space. With reuse, a
    // Prequel killed with SIGKILL came back without rows committed seconds before (an interview,
    // its transitions), about once in 20 kills here; appended, none in 60. The file then only
    // grows while Prequel runs (about 100 KB per interview created and cancelled), so each start
    // compacts it first.
    String url =
        "jdbc:h2:file:"
            + dataDir.toAbsolutePath().resolve("prequel")
            + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;REUSE_SPACE=FALSE";
    compact(url);
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "prequel", "");
    pool.setMaxConnections(16);
    migrate(pool);
    ownerOnly(dataDir);
    return new Database(Kind.H2, pool, pool::dispose);
  }

  /**
   * The database's files (H2 makes them with the umask's mode, also when compacting) readable by
   * Prequel's user only.
   */
  private static void ownerOnly(Path dataDir) {
    try (var files = java.nio.file.Files.list(dataDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().startsWith("prequel.")) {
          DataFolder.ownerOnly(f);
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot restrict the database files in " + dataDir, e);
    }
  }

  /** Rewrites the database file without the space earlier writes left behind (H2 only). */
  private static void compact(String url) {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "prequel", "");
        java.sql.Statement s = c.createStatement()) {
      s.execute("SHUTDOWN COMPACT");
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot open the database " + url + ": " + e.getMessage(), e);
    }
  }

  public Jdbi jdbi() {
    return jdbi;
  }

  public Kind kind() {
    return kind;
  }

  /** Closes every connection; H2 then writes and releases its file. */
  @Override
  public void close() {
    closer.run();
  }
}
