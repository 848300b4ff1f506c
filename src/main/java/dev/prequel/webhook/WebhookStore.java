package dev.prequel.webhook;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import dev.prequel.store.SecretBox;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Webhook endpoints and their deliveries in the database. Secrets are sealed at rest. */
public final class WebhookStore {

  private final Jdbi jdbi;
  private final SecretBox secrets;

  public WebhookStore(Jdbi jdbi, SecretBox secrets) {
    this.jdbi = jdbi;
    this.secrets = secrets;
  }

  void insert(Webhook w, String secret) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "INSERT INTO webhooks (id, url, secret, created_at, created_by)"
                        + " VALUES (:id, :url, :secret, :at, :by)")
                .bind("id", w.id())
                .bind("url", w.url())
                .bind("secret", secrets.seal(secret, boundTo(w.id())))
                .bind("at", odt(w.createdAt()))
                .bind("by", w.createdBy())
                .execute());
  }

  List<Webhook> list() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM webhooks ORDER BY created_at, id")
                .map((rs, ctx) -> webhook(rs))
                .list());
  }

  Optional<Webhook> find(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM webhooks WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> webhook(rs))
                .findOne());
  }

  /** The signing secret, opened only to sign a delivery. */
  Optional<String> secretOf(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT secret FROM webhooks WHERE id = :id")
                .bind("id", id)
                .mapTo(String.class)
                .findOne()
                .map(stored -> secrets.open(stored, boundTo(id))));
  }

  /** What a webhook's sealed signing secret is bound to (see {@link SecretBox}). */
  private static String boundTo(String webhookId) {
    return "webhook/" + webhookId + "/secret";
  }

  boolean delete(String id) {
    return jdbi.withHandle(
            h -> h.createUpdate("DELETE FROM webhooks WHERE id = :id").bind("id", id).execute())
        == 1;
  }

  void enqueue(Delivery d) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    INSERT INTO webhook_deliveries (id, webhook_id, event, interview_id, payload,
                        state, attempts, next_attempt_at, created_at)
                    VALUES (:id, :webhook, :event, :interview, :payload, :state, 0, :at, :at)""")
                .bind("id", d.id())
                .bind("webhook", d.webhookId())
                .bind("event", d.event())
                .bind("interview", d.interviewId())
                .bind("payload", d.payload())
                .bind("state", Delivery.PENDING)
                .bind("at", odt(d.createdAt()))
                .execute());
  }

  /** The oldest delivery of this endpoint still to be made: later ones wait behind it. */
  Optional<Delivery> nextPending(String webhookId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT * FROM webhook_deliveries WHERE webhook_id = :w AND state = :s"
                        + " ORDER BY seq LIMIT 1")
                .bind("w", webhookId)
                .bind("s", Delivery.PENDING)
                .map((rs, ctx) -> delivery(rs))
                .findOne());
  }

  void recordAttempt(
      String id,
      String state,
      int attempts,
      Instant nextAttempt,
      Integer status,
      String error,
      Instant deliveredAt) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
                    UPDATE webhook_deliveries SET state = :state, attempts = :attempts,
                        next_attempt_at = :next, last_status = :status, last_error = :error,
                        delivered_at = :delivered
                    WHERE id = :id""")
                .bind("id", id)
                .bind("state", state)
                .bind("attempts", attempts)
                .bind("next", odt(nextAttempt))
                .bindByType("status", status, Integer.class)
                .bindByType("error", clip(error), String.class)
                .bindByType("delivered", odt(deliveredAt), java.time.OffsetDateTime.class)
                .execute());
  }

  /** The newest deliveries first, for the portal's log. */
  List<Delivery> recent(int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM webhook_deliveries ORDER BY seq DESC LIMIT :n")
                .bind("n", limit)
                .map((rs, ctx) -> delivery(rs))
                .list());
  }

  List<Delivery> deliveries(String webhookId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM webhook_deliveries WHERE webhook_id = :w ORDER BY seq")
                .bind("w", webhookId)
                .map((rs, ctx) -> delivery(rs))
                .list());
  }

  /** Endpoints with deliveries still to make (after a restart). */
  List<String> withPending() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT DISTINCT webhook_id FROM webhook_deliveries WHERE state = :s")
                .bind("s", Delivery.PENDING)
                .mapTo(String.class)
                .list());
  }

  private static String clip(String s) {
    return s == null || s.length() <= 1000 ? s : s.substring(0, 997) + "...";
  }

  private static Webhook webhook(ResultSet rs) throws SQLException {
    return new Webhook(
        rs.getString("id"),
        rs.getString("url"),
        instant(rs, "created_at"),
        rs.getString("created_by"));
  }

  private static Delivery delivery(ResultSet rs) throws SQLException {
    return new Delivery(
        rs.getString("id"),
        rs.getString("webhook_id"),
        rs.getString("event"),
        rs.getString("interview_id"),
        rs.getString("payload"),
        rs.getString("state"),
        rs.getInt("attempts"),
        instant(rs, "next_attempt_at"),
        rs.getObject("last_status", Integer.class),
        rs.getString("last_error"),
        instant(rs, "created_at"),
        instant(rs, "delivered_at"));
  }
}
