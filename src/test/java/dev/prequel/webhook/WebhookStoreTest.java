package dev.prequel.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.Database;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Webhooks and their deliveries (V9_3), on the embedded H2 and on PostgreSQL: the same answers. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class WebhookStoreTest {

  private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  private static final Instant FINE = Instant.parse("2026-03-02T09:00:00.123456789Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  WebhookStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    store = new WebhookStore(db.jdbi(), dev.prequel.testing.Secrets.randomBox());
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static Delivery pending(String id, String webhook, Instant at) {
    return new Delivery(
        id,
        webhook,
        "interview.status",
        "iv-1",
        "{\"n\":1}",
        Delivery.PENDING,
        0,
        at,
        null,
        null,
        at,
        null);
  }

  @Test
  void anEndpointsSecretIsSealedAtRestAndOpensForSigning() {
    store.insert(new Webhook("wh-a", "https://hooks.example/a", FINE, "admin@x"), "whsec_plain1");

    String stored =
        db.jdbi()
            .withHandle(
                h ->
                    h.createQuery("SELECT secret FROM webhooks WHERE id = 'wh-a'")
                        .mapTo(String.class)
                        .one());
    assertThat(stored).doesNotContain("whsec_plain1");
    assertThat(store.secretOf("wh-a")).contains("whsec_plain1");
    assertThat(store.find("wh-a"))
        .contains(new Webhook("wh-a", "https://hooks.example/a", FINE.minusNanos(789), "admin@x"));
    assertThat(store.secretOf("wh-none")).isEmpty();
  }

  @Test
  void deliveriesQueueInOrderPerEndpointAndAnAttemptIsRecorded() {
    store.insert(new Webhook("wh-b", "https://hooks.example/b", T0, "admin@x"), "s1");
    store.insert(
        new Webhook("wh-c", "https://hooks.example/c", T0.plusSeconds(1), "admin@x"), "s2");
    store.enqueue(pending("d-1", "wh-b", T0));
    store.enqueue(pending("d-2", "wh-b", T0));
    store.enqueue(pending("d-3", "wh-c", T0));

    assertThat(store.nextPending("wh-b")).map(Delivery::id).contains("d-1");
    store.recordAttempt("d-1", Delivery.PENDING, 1, T0.plusSeconds(5), 500, "x".repeat(2000), null);
    Delivery retried = store.deliveries("wh-b").get(0);
    assertThat(retried.attempts()).isEqualTo(1);
    assertThat(retried.lastStatus()).isEqualTo(500);
    assertThat(retried.lastError()).hasSize(1000).endsWith("...");
    assertThat(retried.nextAttemptAt()).isEqualTo(T0.plusSeconds(5));

    store.recordAttempt("d-1", Delivery.DELIVERED, 2, T0.plusSeconds(5), 204, null, FINE);

    assertThat(store.nextPending("wh-b")).map(Delivery::id).contains("d-2");
    assertThat(store.deliveries("wh-b").get(0).deliveredAt()).isEqualTo(FINE.minusNanos(789));
    assertThat(store.withPending()).containsExactlyInAnyOrder("wh-b", "wh-c");
    assertThat(store.recent(2)).extracting(Delivery::id).containsExactly("d-3", "d-2");
    assertThat(store.list()).extracting(Webhook::id).containsExactly("wh-b", "wh-c");
  }

  @Test
  void deletingAnEndpointTakesItsDeliveriesWithIt() {
    store.insert(new Webhook("wh-d", "https://hooks.example/d", T0, "admin@x"), "s");
    store.enqueue(pending("d-4", "wh-d", T0));

    assertThat(store.delete("wh-d")).isTrue();

    assertThat(store.delete("wh-d")).isFalse();
    assertThat(store.deliveries("wh-d")).isEmpty();
    assertThat(store.withPending()).isEmpty();
  }
}
