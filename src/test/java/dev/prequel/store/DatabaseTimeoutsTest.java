package dev.prequel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TcpProxy;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL connections whose server vanished without a word (no FIN, no RST: a network partition)
 * cannot hold a replica, or the other replicas, for good: a statement on one fails within the
 * socket timeout, the pool goes on with new connections, and the server ends a session left inside
 * a transaction, releasing its locks.
 */
class DatabaseTimeoutsTest {

  private static final long LOCK = 0x7270746f75740001L;

  @Test
  void aSilentConnectionFailsInsteadOfHangingAndItsTransactionsLocksAreReleased() throws Exception {
    // given a Prequel database reached through a relay, and one that reaches it directly
    DatabaseSettings direct = PostgresServer.shared().newDatabase();
    try (TcpProxy relay = new TcpProxy(PostgresServer.shared().port());
        Database db = Database.openPostgres(throughRelay(direct, relay.port()));
        Database other = Database.openPostgres(direct)) {
      // and a transaction that holds a lock
      Handle h = db.jdbi().open();
      h.begin();
      h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:k)) l")
          .bind("k", LOCK)
          .mapTo(Integer.class)
          .one();
      assertThat(tryLock(other)).isFalse();

      // when every connection through the relay goes silent
      relay.silence();
      Instant silenced = Instant.now();
      CompletableFuture<Void> commit = CompletableFuture.runAsync(h::commit);

      // then the commit fails within the socket timeout instead of waiting for ever
      await("the commit gives up")
          .atMost(Database.SOCKET_TIMEOUT.plusSeconds(15))
          .until(commit::isDone);
      assertThat(commit).isCompletedExceptionally();
      assertThat(Duration.between(silenced, Instant.now()))
          .isGreaterThanOrEqualTo(Database.SOCKET_TIMEOUT.minusSeconds(1));
      h.close();
      // and the server released the abandoned transaction's lock
      await("the lock released")
          .atMost(Database.IDLE_IN_TRANSACTION.plusSeconds(20))
          .until(() -> tryLock(other));
      // and the pool works again on new connections
      await("the pool answers again")
          .atMost(Database.SOCKET_TIMEOUT.plusSeconds(30))
          .ignoreExceptions()
          .until(
              () ->
                  db.jdbi().withHandle(x -> x.createQuery("SELECT 1").mapTo(Integer.class).one())
                      == 1);
    }
  }

  private static DatabaseSettings throughRelay(DatabaseSettings direct, int port) {
    String url = direct.url().replace(":" + PostgresServer.shared().port() + "/", ":" + port + "/");
    return new DatabaseSettings(url, direct.user(), direct.password());
  }

  /** Takes and at once gives back the lock, on a connection of its own; false when it is held. */
  private static boolean tryLock(Database db) {
    return db.jdbi()
        .withHandle(
            x -> {
              boolean got =
                  x.createQuery("SELECT pg_try_advisory_lock(:k)")
                      .bind("k", LOCK)
                      .mapTo(Boolean.class)
                      .one();
              if (got) {
                x.createQuery("SELECT pg_advisory_unlock(:k)")
                    .bind("k", LOCK)
                    .mapTo(Boolean.class)
                    .one();
              }
              return got;
            });
  }
}
