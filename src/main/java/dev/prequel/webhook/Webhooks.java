package dev.prequel.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.Status;
import dev.prequel.interview.TakeHomes;
import dev.prequel.schedule.Timers;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhooks (issue 17, 5): Prequel POSTs every status change of an interview and every take-home
 * submission, as JSON signed with the endpoint's secret ({@link Signature}), to the endpoints an
 * admin registered. Each endpoint gets its events in order, one at a time: a delivery that fails is
 * retried with backoff (on the injected clock) and the later ones wait behind it, until it succeeds
 * or is given up after {@link #MAX_ATTEMPTS}. Every attempt is kept for the portal's delivery log.
 * Payloads carry no secrets: no password, no access link, no error details.
 */
public final class Webhooks implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Webhooks.class);

  public static final int MAX_ATTEMPTS = 10;
  static final Duration FIRST_RETRY = Duration.ofSeconds(5);
  static final Duration MAX_RETRY = Duration.ofHours(1);
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  public static final String STATUS_EVENT = "interview.status";
  public static final String SUBMITTED_EVENT = "takehome.submitted";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /** A new endpoint and its secret, which is shown this once. */
  public record Created(Webhook webhook, String secret) {}

  private final WebhookStore store;
  private final Timers timers;
  private final Executor sender;
  private final Clock clock;
  private final WebhookClient http;
  private final boolean privateAddresses;
  private final WebhookClient.Lookup lookup;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /** The last status sent per interview: an extension publishes the same status again. */
  private final Map<String, Status> lastStatus = new ConcurrentHashMap<>();

  /**
   * @param sender where deliveries are made (one thread keeps them off the lifecycle's workers)
   * @param privateAddresses whether endpoints may be on loopback, link-local (the cloud's metadata
   *     service) or private addresses: otherwise an admin could make Prequel probe its own network
   */
  public Webhooks(
      WebhookStore store, Timers timers, Executor sender, Clock clock, boolean privateAddresses) {
    this(store, timers, sender, clock, privateAddresses, WebhookClient.SYSTEM);
  }

  /** As above, with host names resolved by {@code lookup} (tests). */
  Webhooks(
      WebhookStore store,
      Timers timers,
      Executor sender,
      Clock clock,
      boolean privateAddresses,
      WebhookClient.Lookup lookup) {
    this.privateAddresses = privateAddresses;
    this.lookup = lookup;
    this.store = store;
    this.timers = timers;
    this.sender = sender;
    this.clock = clock;
    this.http = new WebhookClient(lookup, privateAddresses, TIMEOUT);
  }

  /** Stops the HTTP client; deliveries still pending resume at the next start. */
  @Override
  public void close() {
    http.close();
  }

  /** Sends what happens to interviews and take-homes from now on; resumes what was pending. */
  public Webhooks follow(InterviewEvents events, TakeHomes takeHomes) {
    events.subscribe(this::onInterview);
    takeHomes.onSubmitted(this::onSubmitted);
    store.withPending().forEach(w -> sender.execute(() -> pump(w)));
    return this;
  }

  public Created register(String url, String by) {
    URI uri = validUrl(url);
    if (!privateAddresses) {
      EndpointAddress.privateOne(uri.getHost(), lookup)
          .ifPresent(
              a -> {
                throw ProblemException.badInput(
                    "url",
                    "url's host "
                        + uri.getHost()
                        + " is a private address ("
                        + a
                        + "); an operator may allow those with"
                        + " PREQUEL_WEBHOOKS_TO_PRIVATE_ADDRESSES=allow");
              });
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String secret = "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    byte[] id = new byte[8];
    random.nextBytes(id);
    Webhook w =
        new Webhook("wh" + java.util.HexFormat.of().formatHex(id), uri.toString(), now(), by);
    store.insert(w, secret);
    return new Created(w, secret);
  }

  public List<Webhook> list() {
    return store.list();
  }

  public Webhook get(String id) {
    return store
        .find(id)
        .orElseThrow(() -> ProblemException.notFound("no webhook with id '" + id + "'"));
  }

  public void delete(String id) {
    if (!store.delete(id)) {
      throw ProblemException.notFound("no webhook with id '" + id + "'");
    }
    timers.cancel(timerKey(id));
  }

  public List<Delivery> deliveries(String webhookId) {
    get(webhookId);
    return store.deliveries(webhookId);
  }

  /** The newest deliveries of all endpoints, newest first. */
  public List<Delivery> recentDeliveries(int limit) {
    return store.recent(limit);
  }

  void onInterview(Interview i) {
    Status before = lastStatus.put(i.id(), i.status());
    if (i.status().isFinal()) {
      lastStatus.remove(i.id());
    }
    if (before == i.status()) {
      return; // the end moved, or the workspace restarted: no status change
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("interview", interviewJson(i));
    enqueue(STATUS_EVENT, i.id(), i.updatedAt(), body);
  }

  void onSubmitted(TakeHomes.Entry e) {
    Map<String, Object> takeHome = new LinkedHashMap<>();
    takeHome.put("durationMinutes", e.takeHome().durationMinutes());
    takeHome.put("startedAt", e.takeHome().startedAt());
    takeHome.put("submittedAt", e.takeHome().submittedAt());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("interview", interviewJson(e.interview()));
    body.put("takeHome", takeHome);
    enqueue(SUBMITTED_EVENT, e.interview().id(), e.takeHome().submittedAt(), body);
  }

  private void enqueue(String event, String interviewId, Instant at, Map<String, Object> data) {
    List<Webhook> endpoints = store.list();
    if (endpoints.isEmpty()) {
      return;
    }
    String eventId = randomId("ev_");
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("event", event);
    payload.put("eventId", eventId);
    payload.put("occurredAt", at);
    payload.putAll(data);
    String body;
    try {
      body = JSON.writeValueAsString(payload);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("a webhook payload could not be written", ex);
    }
    Instant now = now();
    for (Webhook w : endpoints) {
      store.enqueue(
          new Delivery(
              randomId("dl_"),
              w.id(),
              event,
              interviewId,
              body,
              Delivery.PENDING,
              0,
              now,
              null,
              null,
              now,
              null));
      sender.execute(() -> pump(w.id()));
    }
  }

  /** Makes this endpoint's due deliveries, in order, until one has to wait. */
  void pump(String webhookId) {
    synchronized (locks.computeIfAbsent(webhookId, k -> new Object())) {
      while (true) {
        var next = store.nextPending(webhookId);
        if (next.isEmpty()) {
          return;
        }
        Delivery d = next.get();
        Instant now = now();
        if (d.nextAttemptAt().isAfter(now)) {
          timers.schedule(
              timerKey(webhookId), d.nextAttemptAt(), () -> sender.execute(() -> pump(webhookId)));
          return;
        }
        var webhook = store.find(webhookId);
        var secret = store.secretOf(webhookId);
        if (webhook.isEmpty() || secret.isEmpty()) {
          return; // deleted meanwhile (its deliveries went with it)
        }
        if (!attempt(webhook.get(), secret.get(), d, now)) {
          return;
        }
      }
    }
  }

  /** One attempt; true when the endpoint is free for the next delivery. */
  private boolean attempt(Webhook w, String secret, Delivery d, Instant now) {
    int attempts = d.attempts() + 1;
    Integer status = null;
    String error = null;
    try {
      // Checked again at each delivery, by the client's resolver: the name may point elsewhere
      // since registration, and the client connects to the very addresses it checked.
      status =
          http.post(
              URI.create(w.url()),
              Map.of(
                  "Prequel-Event",
                  d.event(),
                  "Prequel-Delivery",
                  d.id(),
                  Signature.HEADER,
                  Signature.header(secret, now.getEpochSecond(), d.payload())),
              d.payload());
      if (status / 100 == 2) {
        store.recordAttempt(d.id(), Delivery.DELIVERED, attempts, now, status, null, now);
        return true;
      }
      error = "answered " + status;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted";
    } catch (Exception e) {
      error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    if (attempts >= MAX_ATTEMPTS) {
      store.recordAttempt(d.id(), Delivery.FAILED, attempts, now, status, error, null);
      log.warn(
          "webhook {}: gave up delivery {} after {} attempts: {}", w.id(), d.id(), attempts, error);
      return true;
    }
    Instant retry = now.plus(backoff(attempts));
    store.recordAttempt(d.id(), Delivery.PENDING, attempts, retry, status, error, null);
    log.info("webhook {}: delivery {} failed ({}); retrying at {}", w.id(), d.id(), error, retry);
    timers.schedule(timerKey(w.id()), retry, () -> sender.execute(() -> pump(w.id())));
    return false;
  }

  /** 5 s after the first failure, doubling, at most an hour apart. */
  static Duration backoff(int failedAttempts) {
    Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(failedAttempts - 1, 20));
    return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
  }

  private static Map<String, Object> interviewJson(Interview i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("candidateName", i.candidateName());
    m.put("challengeId", i.challengeId());
    m.put("status", i.status().wireName());
    m.put("startsAt", i.startsAt());
    m.put("expiresAt", i.expiresAt());
    return m;
  }

  static URI validUrl(String url) {
    if (url == null || url.isBlank() || url.length() > 2000) {
      throw ProblemException.badInput("url", "url is required (at most 2000 characters)");
    }
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException e) {
      throw ProblemException.badInput("url", "url is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if ((!scheme.equals("https") && !scheme.equals("http")) || uri.getHost() == null) {
      throw ProblemException.badInput("url", "url must be an http:// or https:// address");
    }
    if (uri.getRawUserInfo() != null) {
      // a password in the URL would show in the portal and the log
      throw ProblemException.badInput("url", "url must not carry a user or password");
    }
    return uri;
  }

  private String randomId(String prefix) {
    byte[] bytes = new byte[12];
    random.nextBytes(bytes);
    return prefix + java.util.HexFormat.of().formatHex(bytes);
  }

  private static String timerKey(String webhookId) {
    return "webhook:" + webhookId;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
