package dev.prequel.store;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Keys kept in the database, so that every replica on one PostgreSQL seals and signs with the same
 * ones (table {@code shared_keys}). Only without {@code PREQUEL_SECRET_KEY}: the keys are stored as
 * they are, as nothing is left to encrypt them with.
 */
public final class SharedKeys {

  private final Jdbi jdbi;
  private final Clock clock;

  public SharedKeys(Jdbi jdbi, Clock clock) {
    this.jdbi = jdbi;
    this.clock = clock;
  }

  /**
   * The key stored under {@code name}; when there is none yet, {@code proposal} becomes it. Of
   * replicas that start together, one's insert wins and every one of them returns its key.
   */
  public byte[] agree(String name, byte[] proposal) {
    Optional<byte[]> known = find(name);
    if (known.isPresent()) {
      return known.get();
    }
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "INSERT INTO shared_keys (name, key_value, created_at)"
                          + " SELECT :name, :value, :at"
                          + " WHERE NOT EXISTS (SELECT 1 FROM shared_keys WHERE name = :name)")
                  .bind("name", name)
                  .bind("value", Base64.getEncoder().encodeToString(proposal))
                  .bindByType("at", Times.odt(clock.instant()), OffsetDateTime.class)
                  .execute());
    } catch (UnableToExecuteStatementException e) {
      // another replica inserted it between our look and our insert: theirs it is
    }
    return find(name).orElseThrow(() -> new IllegalStateException("no shared key " + name));
  }

  private Optional<byte[]> find(String name) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT key_value FROM shared_keys WHERE name = :name")
                .bind("name", name)
                .mapTo(String.class)
                .findOne()
                .map(Base64.getDecoder()::decode));
  }
}
