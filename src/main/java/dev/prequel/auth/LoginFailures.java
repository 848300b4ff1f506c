package dev.prequel.auth;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The failed sign-ins the {@link LoginThrottle} counts, in the database, so every replica sees the
 * failures made through any of them. Keys arrive as digests.
 */
public final class LoginFailures {

  private final Jdbi jdbi;

  public LoginFailures(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** One failure at {@code at}, counted under each of these keys. */
  public void record(Collection<String> keys, Instant at) {
    jdbi.useTransaction(
        h -> {
          var batch =
              h.prepareBatch("INSERT INTO login_failures (throttle_key, at) VALUES (:key, :at)");
          for (String key : keys) {
            batch.bind("key", key).bind("at", odt(at)).add();
          }
          batch.execute();
        });
  }

  /** The newest {@code limit} failures under this key after {@code after}, newest first. */
  public List<Instant> recent(String key, Instant after, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    """
            SELECT at FROM login_failures WHERE throttle_key = :key AND at > :after
            ORDER BY at DESC LIMIT :limit""")
                .bind("key", key)
                .bind("after", odt(after))
                .bind("limit", limit)
                .map((rs, ctx) -> instant(rs, "at"))
                .list());
  }

  /** Forgets every failure under this key. */
  public void forget(String key) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM login_failures WHERE throttle_key = :key")
                .bind("key", key)
                .execute());
  }

  /** Deletes the failures at or before {@code upTo}; returns how many. */
  public int purge(Instant upTo) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM login_failures WHERE at <= :upTo")
                .bind("upTo", odt(upTo))
                .execute());
  }

  /** How many failures are on record (tests). */
  long count() {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT COUNT(*) FROM login_failures").mapTo(Long.class).one());
  }
}
