package dev.prequel.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.NewInterview;
import dev.prequel.interview.NewTakeHome;
import dev.prequel.store.SecretBox;
import dev.prequel.testing.LifecycleHarness;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks received by a real HTTP server on this machine: signature, order and retries with
 * backoff on the test's clock (issue 17, 5).
 */
class WebhooksTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the receiving server saw it. */
  record Received(String event, String delivery, String signature, String body) {}

  @TempDir Path data;
  LifecycleHarness h;
  HttpServer server;
  final List<Received> received = new CopyOnWriteArrayList<>();
  final AtomicInteger failuresLeft = new AtomicInteger();
  Webhooks webhooks;

  @BeforeEach
  void setUp() throws Exception {
    h = new LifecycleHarness(data);
    server =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/hook",
        exchange -> {
          received.add(
              new Received(
                  exchange.getRequestHeaders().getFirst("Prequel-Event"),
                  exchange.getRequestHeaders().getFirst("Prequel-Delivery"),
                  exchange.getRequestHeaders().getFirst(Signature.HEADER),
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          int status = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 204;
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
    // the receiving server is on 127.0.0.1
    webhooks = webhooksOf(h, true, WebhookClient.SYSTEM);
  }

  @AfterEach
  void tearDown() {
    webhooks.close();
    server.stop(0);
    h.close();
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  @Test
  void statusChangesArriveSignedInOrderAndAFailingDeliveryIsRetriedWithBackoffBeforeTheNext()
      throws Exception {
    // Given an endpoint that fails twice before it answers
    Webhooks.Created endpoint = webhooks.register(url(), "admin@example.com");
    failuresLeft.set(2);

    // When an interview goes from created to active
    String id = h.interviews.create(new NewInterview("Ada", "sql-sales-report", 30, null)).id();

    // Then the first delivery was tried once, and the later ones wait behind it
    assertThat(received).hasSize(1);
    h.timers.advance(Duration.ofSeconds(5).minusMillis(1));
    assertThat(received).hasSize(1);
    h.timers.advance(Duration.ofMillis(1)); // 5 s after the first failure
    assertThat(received).hasSize(2);
    h.timers.advance(Duration.ofSeconds(10)); // then 10 s: it succeeds, and the rest follow
    assertThat(received).hasSize(5);

    assertThat(received.subList(0, 3))
        .extracting(Received::delivery)
        .containsOnly(received.get(0).delivery());
    assertThat(received)
        .extracting(r -> JSON.readTree(r.body()).at("/interview/status").asText())
        .containsExactly("initializing", "initializing", "initializing", "configuring", "active");
    for (Received r : received) {
      assertThat(r.event()).isEqualTo(Webhooks.STATUS_EVENT);
      assertThat(verify(endpoint.secret(), r)).as(r.signature()).isTrue();
      assertThat(r.body()).doesNotContain("password", h.get(id).password(), "accessUrl");
    }
    // the signature is over the attempt's own time: a retry is signed anew
    assertThat(received.get(1).signature()).isNotEqualTo(received.get(0).signature());
    assertThat(verify("whsec_wrong", received.get(0))).isFalse();

    List<Delivery> log = webhooks.deliveries(endpoint.webhook().id());
    assertThat(log.get(0).attempts()).isEqualTo(3);
    assertThat(log.get(0).state()).isEqualTo(Delivery.DELIVERED);
    assertThat(log.get(0).lastStatus()).isEqualTo(204);
    assertThat(log).extracting(Delivery::state).containsOnly(Delivery.DELIVERED);
  }

  @Test
  void aSubmissionFollowsTheStatusChangeItCaused() throws Exception {
    webhooks.register(url(), "admin@example.com");
    String id =
        h.takeHomes.invite(new NewTakeHome("Grace", "sql-sales-report", 60, 7)).interview().id();
    h.takeHomes.start(id);

    h.takeHomes.submit(id);

    List<String> events =
        received.stream()
            .map(r -> r.event() + " " + read(r).at("/interview/status").asText())
            .toList();
    assertThat(events)
        .containsExactly(
            "interview.status invited",
            "interview.status initializing",
            "interview.status configuring",
            "interview.status active",
            "interview.status destroying",
            "takehome.submitted destroying",
            "interview.status destroyed");
    JsonNode submitted = read(received.get(5));
    assertThat(submitted.at("/takeHome/submittedAt").asText()).isNotEmpty();
  }

  @Test
  void anEndpointThatNeverAnswersIsGivenUpAndTheNextDeliveryGoesOn() {
    Webhooks.Created endpoint = webhooks.register(url(), "admin@example.com");
    failuresLeft.set(Webhooks.MAX_ATTEMPTS);
    h.takeHomes.invite(new NewTakeHome("Alan", "sql-sales-report", 60, 7));
    h.interviews.create(new NewInterview("Edsger", "sql-sales-report", 30, null));

    h.timers.advance(Duration.ofDays(1));

    List<Delivery> log = webhooks.deliveries(endpoint.webhook().id());
    assertThat(log.get(0).state()).isEqualTo(Delivery.FAILED);
    assertThat(log.get(0).attempts()).isEqualTo(Webhooks.MAX_ATTEMPTS);
    assertThat(log.get(0).lastError()).contains("500");
    assertThat(log.subList(1, log.size()))
        .extracting(Delivery::state)
        .containsOnly(Delivery.DELIVERED);
  }

  @Test
  void onlyHttpUrlsWithoutCredentialsAreAccepted() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> webhooks.register("ftp://example.com/x", "a"))
        .hasMessageContaining("http");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> webhooks.register("https://user:pw@example.com/x", "a"))
        .hasMessageContaining("user or password");
  }

  @Test
  void byDefaultAnAdminCannotPointAWebhookAtPrequelsOwnNetwork() throws Exception {
    // Given Prequel's default: no webhooks to private addresses
    try (Webhooks guarded = webhooksOf(h, false, WebhookClient.SYSTEM)) {
      refusesPrivateAcceptsPublic(guarded);
    }
  }

  private static void refusesPrivateAcceptsPublic(Webhooks guarded) {

    // Then loopback, the cloud's metadata service, private ranges and names for them are refused
    for (String url :
        List.of(
            "http://127.0.0.1:8080/x",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.1.2.3/x",
            "http://192.168.0.1/x",
            "http://100.100.1.1/x",
            "http://[::1]/x",
            "http://[fd00::1]/x",
            "http://localhost/x")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> guarded.register(url, "a"))
          .as(url)
          .isInstanceOf(ProblemException.class)
          .hasMessageContaining("private address")
          .hasMessageContaining("PREQUEL_WEBHOOKS_TO_PRIVATE_ADDRESSES");
    }
    // and a public address is accepted
    assertThat(guarded.register("https://93.184.215.14/hook", "a").webhook().url())
        .isEqualTo("https://93.184.215.14/hook");
  }

  @Test
  void aNameThatTurnsPrivateAfterRegistrationIsRefusedAtDeliveryAndNothingIsSent()
      throws Exception {
    // Given a name that resolves to a public address when the admin registers it, and to
    // loopback (where the receiving server is) from then on: DNS rebinding
    AtomicInteger lookups = new AtomicInteger();
    WebhookClient.Lookup rebinding =
        host ->
            new InetAddress[] {
              InetAddress.getByName(lookups.getAndIncrement() == 0 ? "93.184.215.14" : "127.0.0.1")
            };
    try (LifecycleHarness alone = new LifecycleHarness(data.resolve("rebinding"));
        Webhooks guarded = webhooksOf(alone, false, rebinding)) {
      Webhooks.Created endpoint = guarded.register(urlNamed("hooks.rebinding.test"), "a");

      // When an interview's status changes
      alone.interviews.create(new NewInterview("Barbara", "sql-sales-report", 30, null));

      // Then the delivery was refused for the address the client would have connected to
      List<Delivery> log = guarded.deliveries(endpoint.webhook().id());
      assertThat(log.get(0).lastError()).contains("private address", "127.0.0.1");
      assertThat(received).isEmpty();
    }
  }

  @Test
  void theClientConnectsToTheAddressItCheckedNotToANameResolvedAgain() throws Exception {
    // Given private addresses allowed, and a name only Prequel's resolver knows (the system's
    // cannot resolve it): a delivery arrives only if the client connects where the check looked
    try (LifecycleHarness alone = new LifecycleHarness(data.resolve("checked"));
        Webhooks allowed =
            webhooksOf(alone, true, host -> new InetAddress[] {InetAddress.getLoopbackAddress()})) {
      allowed.register(urlNamed("hooks.only-prequel-knows.test"), "a");

      alone.interviews.create(new NewInterview("Frances", "sql-sales-report", 30, null));

      assertThat(received).isNotEmpty();
      assertThat(received.get(0).event()).isEqualTo(Webhooks.STATUS_EVENT);
    }
  }

  /** Webhooks on a harness of their own, with names resolved by {@code lookup}. */
  private Webhooks webhooksOf(
      LifecycleHarness harness, boolean privateAddresses, WebhookClient.Lookup lookup)
      throws java.io.IOException {
    return new Webhooks(
            new WebhookStore(harness.db.jdbi(), SecretBox.load(null, data)),
            harness.timers,
            Runnable::run,
            harness.clock,
            privateAddresses,
            lookup)
        .follow(harness.events, harness.takeHomes);
  }

  private String urlNamed(String host) {
    return "http://" + host + ":" + server.getAddress().getPort() + "/hook";
  }

  private static JsonNode read(Received r) {
    try {
      return JSON.readTree(r.body());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** What a receiver does: recompute the HMAC over "t.body" and compare. */
  private static boolean verify(String secret, Received r) {
    int comma = r.signature().indexOf(',');
    String t = r.signature().substring("t=".length(), comma);
    String v1 = r.signature().substring(comma + 1 + "v1=".length());
    return java.security.MessageDigest.isEqual(
        Signature.hmac(secret, t + "." + r.body()).getBytes(StandardCharsets.UTF_8),
        v1.getBytes(StandardCharsets.UTF_8));
  }
}
