package dev.prequel.testing;

import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import java.nio.file.Path;

/**
 * The databases the store tests run on: the embedded H2 file and a real PostgreSQL (one server per
 * test run, {@link PostgresServer}, a new database for each call).
 */
public final class TestDatabases {

  private TestDatabases() {}

  /** Where a new, empty database of this kind is: H2 uses the data folder, PostgreSQL the URL. */
  public static DatabaseSettings fresh(Database.Kind kind) {
    return switch (kind) {
      case H2 -> DatabaseSettings.EMBEDDED;
      case POSTGRES -> PostgresServer.shared().newDatabase();
    };
  }

  /** A new, empty database of this kind with the schema migrated. */
  public static Database open(Database.Kind kind, Path dataDir) {
    return Database.open(fresh(kind), dataDir);
  }
}
