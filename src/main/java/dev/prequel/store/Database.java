package dev.prequel.store;

import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;

/** Opens the database and brings its schema up to date. */
public final class Database implements AutoCloseable {

  private final JdbcConnectionPool pool;
  private final Jdbi jdbi;

  private Database(JdbcConnectionPool pool) {
    this.pool = pool;
    this.jdbi = Jdbi.create(pool);
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
    Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    ownerOnly(dataDir);
    return new Database(pool);
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

  /** Closes every connection; H2 then writes and releases its file. */
  @Override
  public void close() {
    pool.dispose();
  }
}
