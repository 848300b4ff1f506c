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
    String url =
        "jdbc:h2:file:"
            + dataDir.toAbsolutePath().resolve("prequel")
            + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "prequel", "");
    pool.setMaxConnections(16);
    Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
    return new Database(pool);
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
