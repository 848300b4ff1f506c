package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.testing.ReplicaCluster;
import dev.prequel.testing.ReplicaProcess;
import dev.prequel.testing.ResumingEventStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, 5: three Prequel replicas, each a JVM of its own, on one real PostgreSQL (behind a TCP
 * proxy the test cuts), one S3 bucket (S3Proxy) and one runtime they all reach ({@link
 * dev.prequel.testing.SharedFakeRuntime}: its state in this JVM, its workspaces answering real HTTP
 * through the replicas' proxies). 50 interviews, created through all three, are timed so that
 * expiries and starts fall right after a replica is killed with SIGKILL, and further expiries fall
 * in a 10-second database outage. Real time: the replicas are separate processes. Live-event (SSE)
 * clients on the two replicas that survive, connected before anything happens, must see every
 * interview's whole status sequence, in order, each event once, reconnecting with {@code
 * Last-Event-ID} as a browser would should a stream drop.
 */
@Tag("slow")
class FailoverTest {

  static final ObjectMapper JSON = new ObjectMapper();

  /** How long issue 14 gives the survivors to take a dead replica's interviews over. */
  static final Duration WINDOW = Duration.ofSeconds(5);

  static final Duration OUTAGE = Duration.ofSeconds(10);

  /** What every interview of the test goes through, as a live-events client sees it. */
  static final List<String> LIFE =
      List.of("scheduled", "initializing", "configuring", "active", "destroying", "destroyed");

  @TempDir Path root;

  record Created(String id, String password, String via, Instant startsAt, Instant expiresAt) {}

  @Test
  void aKilledReplicaAndADatabaseOutageLeaveNoInterviewStuckLateOrHandledTwice() throws Exception {
    List<ResumingEventStream> streams = new ArrayList<>();
    try (ReplicaCluster cluster =
            ReplicaCluster.start(
                root,
                3,
                Map.of(
                    "PREQUEL_MIN_DURATION_MINUTES", "1",
                    "PREQUEL_PROVISION_LEAD_SECONDS", "0",
                    "PREQUEL_READY_TIMEOUT_SECONDS", "30"));
        HttpClient browser = new HttpClient()) {
      browser.setFollowRedirects(false);
      browser.start();
      // given interviewers' live views on r1 and r2, the replicas that survive
      List<ResumingEventStream> views = new ArrayList<>();
      for (int r = 1; r <= 2; r++) {
        ResumingEventStream view =
            new ResumingEventStream(cluster.replica(r).uri("/api/v1/events"));
        views.add(view);
        streams.add(view);
      }
      await("live views connected")
          .atMost(Duration.ofSeconds(20))
          .until(() -> views.stream().allMatch(ResumingEventStream::connected));
      // given 50 one-minute interviews created round-robin through the three replicas:
      // a: 20 that expire just after the kill; s: 15 that start just after it;
      // c: 15 active through the kill, that expire during the database outage
      Instant t0 = Instant.now();
      Instant kill = t0.plusSeconds(66);
      Instant cut = t0.plusSeconds(80);
      List<Created> a = new ArrayList<>();
      List<Created> s = new ArrayList<>();
      List<Created> c = new ArrayList<>();
      for (int n = 0; n < 50; n++) {
        ReplicaProcess via = cluster.replica(n % 3);
        if (n < 20) {
          a.add(create(via, "pgo a" + n, t0.plusSeconds(8)));
        } else if (n < 35) {
          s.add(create(via, "pgo s" + n, t0.plusSeconds(69)));
        } else {
          c.add(create(via, "pgo c" + n, t0.plusSeconds(12)));
        }
      }
      List<Created> all = new ArrayList<>(a);
      all.addAll(s);
      all.addAll(c);
      await("batches a and c active")
          .atMost(Duration.ofSeconds(50))
          .until(() -> statuses(cluster, a, c).values().stream().allMatch("active"::equals));
      // and a candidate signed in through replica r0
      Created candidate = c.get(0);
      ReplicaProcess r0 = cluster.replica(0);
      String cookie = login(browser, r0, candidate);
      assertThat(workspaceGet(browser, r0, candidate.id(), cookie).getContentAsString())
          .isEqualTo("workspace " + candidate.id());

      // when r0 is killed with SIGKILL two seconds before batch a expires
      await("the kill's moment").atMost(Duration.ofSeconds(80)).until(() -> now().isAfter(kill));
      List<String> r0Owned = ownedBy(cluster, "r0-");
      assertThat(r0Owned).as("r0 owns some of the interviews").isNotEmpty();
      r0.kill();
      Instant killed = now();
      await("r0's leases taken over")
          .atMost(WINDOW.plusSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> ownedBy(cluster, "r0-").isEmpty());
      Duration failover = Duration.between(killed, now());
      System.out.printf(
          "failover: %d interviews of r0 taken over in %d ms%n",
          r0Owned.size(), failover.toMillis());

      // then the survivors took r0's interviews within the window
      assertThat(failover).isLessThanOrEqualTo(WINDOW);
      // and the candidate's session works through another replica
      ReplicaProcess r1 = cluster.replica(1);
      ContentResponse through = workspaceGet(browser, r1, candidate.id(), cookie);
      assertThat(through.getStatus()).isEqualTo(200);
      assertThat(through.getContentAsString()).isEqualTo("workspace " + candidate.id());
      // and batch a expired on time, batch s started on time
      await("batch a destroyed, s active")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  statuses(cluster, a).values().stream().allMatch("destroyed"::equals)
                      && statuses(cluster, s).values().stream().allMatch("active"::equals));
      for (Created i : a) {
        assertThat(late(cluster, i.id(), "active → destroying", i.expiresAt()))
            .as("expiry of %s (via %s)", i.id(), i.via())
            .isBetween(Duration.ZERO, WINDOW);
      }
      for (Created i : s) {
        assertThat(late(cluster, i.id(), "scheduled → initializing", i.startsAt()))
            .as("start of %s (via %s)", i.id(), i.via())
            .isBetween(Duration.ZERO, WINDOW);
      }

      // when the database is unreachable for ten seconds while batch c expires
      await("the outage's moment").atMost(Duration.ofSeconds(30)).until(() -> now().isAfter(cut));
      cluster.dbProxy.cut();
      Instant restored = now().plus(OUTAGE);
      await("the outage's end").atMost(OUTAGE.plusSeconds(5)).until(() -> now().isAfter(restored));
      cluster.dbProxy.restore();
      // then batch c is destroyed once the database answers again, late by no more than the outage
      // and the window
      await("batch c destroyed")
          .atMost(Duration.ofSeconds(40))
          .ignoreExceptions()
          .until(() -> statuses(cluster, c).values().stream().allMatch("destroyed"::equals));
      for (Created i : c) {
        Duration late = late(cluster, i.id(), "active → destroying", i.expiresAt());
        assertThat(late)
            .as("expiry of %s", i.id())
            .isBetween(
                Duration.ZERO, outageLeft(i.expiresAt(), restored).plus(WINDOW).plusSeconds(1));
      }

      // when an interviewer destroys batch s, each through a replica that does not own it
      for (Created i : s) {
        String owner = cluster.owners().getOrDefault(i.id(), "");
        ReplicaProcess via =
            cluster.alive().stream()
                .filter(r -> !owner.startsWith(r.name + "-"))
                .findFirst()
                .orElseThrow();
        HttpResponse<String> r =
            via.send("POST", "/api/v1/interviews/" + i.id() + "/destroy", null);
        assertThat(r.statusCode()).as(r.body()).isIn(200, 202);
      }
      // then every interview has ended destroyed, none stuck, none handled twice, nothing left
      await("every interview destroyed")
          .atMost(Duration.ofSeconds(30))
          .until(() -> statuses(cluster, all).values().stream().allMatch("destroyed"::equals));
      for (Created i : all) {
        assertThat(transitions(cluster, i.id()))
            .as("transitions of %s", i.id())
            .contains("configuring → active", "active → destroying", "destroying → destroyed")
            .doesNotHaveDuplicates();
        assertThat(cluster.runtime.provisions(i.id())).as("provisions of %s", i.id()).isEqualTo(1);
      }
      await("no workspace left")
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> cluster.runtime.running().isEmpty() && cluster.runtime.withFiles().isEmpty());
      // and the live views on the survivors saw each interview's every transition, in order
      for (ResumingEventStream view : views) {
        await("every transition seen live")
            .atMost(Duration.ofSeconds(20))
            .until(() -> all.stream().allMatch(i -> LIFE.equals(changes(view.statusesOf(i.id())))));
        assertThat(view.ids().stream().map(Long::parseLong))
            .as("event ids, each event once")
            .isSorted()
            .doesNotHaveDuplicates();
        System.out.printf(
            "live view: %d events, %d reconnects%n", view.events().size(), view.reconnects());
      }
    } finally {
      streams.forEach(ResumingEventStream::close);
    }
  }

  /**
   * The statuses in the order announced, an announcement of the same status again (an expiry moved,
   * a note) counted once: what a live view shows changing.
   */
  private static List<String> changes(List<String> announced) {
    List<String> changes = new ArrayList<>();
    for (String status : announced) {
      if (changes.isEmpty() || !changes.get(changes.size() - 1).equals(status)) {
        changes.add(status);
      }
    }
    return changes;
  }

  /**
   * How much of the outage was left when the interview was due: none when it was due after the
   * outage (on a loaded machine, creating the 50 interviews can take longer than planned, and the
   * last ones then start, and expire, later).
   */
  private static Duration outageLeft(Instant due, Instant restored) {
    Duration left = Duration.between(due, restored);
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static Instant now() {
    return Instant.now();
  }

  private static Created create(ReplicaProcess via, String name, Instant scheduledAt)
      throws Exception {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("candidateName", name);
    body.put("challengeId", ReplicaCluster.CHALLENGE);
    body.put("durationMinutes", 1);
    body.put("scheduledAt", scheduledAt.toString());
    HttpResponse<String> r = via.send("POST", "/api/v1/interviews", JSON.writeValueAsString(body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode j = JSON.readTree(r.body());
    return new Created(
        j.get("id").asText(),
        j.get("password").asText(),
        via.name,
        Instant.parse(j.get("startsAt").asText()),
        Instant.parse(j.get("expiresAt").asText()));
  }

  /** Each interview's status, from the database. */
  @SafeVarargs
  private static Map<String, String> statuses(ReplicaCluster cluster, List<Created>... batches) {
    List<String> ids = new ArrayList<>();
    for (List<Created> b : batches) {
      b.forEach(i -> ids.add(i.id()));
    }
    return cluster
        .db
        .jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT id, status FROM interviews WHERE id IN (<ids>)")
                    .bindList("ids", ids)
                    .reduceRows(
                        new LinkedHashMap<String, String>(),
                        (m, row) -> {
                          m.put(
                              row.getColumn("id", String.class),
                              row.getColumn("status", String.class)
                                  .toLowerCase(java.util.Locale.ROOT));
                          return m;
                        }));
  }

  private static List<String> ownedBy(ReplicaCluster cluster, String prefix) {
    return cluster.owners().entrySet().stream()
        .filter(e -> e.getValue().startsWith(prefix))
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The transitions in the interview's log, in order ("active → destroying"). */
  private static List<String> transitions(ReplicaCluster cluster, String id) {
    return log(cluster, id).stream()
        .map(l -> l.message())
        .filter(m -> m.contains(" → "))
        .map(m -> m.contains(":") ? m.substring(0, m.indexOf(':')) : m)
        .toList();
  }

  private static List<dev.prequel.interview.InterviewStore.LogLine> log(
      ReplicaCluster cluster, String id) {
    return cluster
        .db
        .jdbi()
        .withHandle(
            h ->
                h.createQuery(
                        "SELECT at, message FROM interview_log WHERE interview_id = :id ORDER BY seq")
                    .bind("id", id)
                    .map(
                        (rs, ctx) ->
                            new dev.prequel.interview.InterviewStore.LogLine(
                                dev.prequel.store.Times.instant(rs, "at"), rs.getString("message")))
                    .list());
  }

  /** How long after {@code due} the interview's log recorded the transition. */
  private static Duration late(ReplicaCluster cluster, String id, String transition, Instant due) {
    Instant at =
        log(cluster, id).stream()
            .filter(l -> l.message().startsWith(transition))
            .findFirst()
            .orElseThrow(() -> new AssertionError(id + " never logged " + transition))
            .at();
    return Duration.between(due, at);
  }

  private static String login(HttpClient browser, ReplicaProcess via, Created i) throws Exception {
    Fields form = new Fields();
    form.put("password", i.password());
    ContentResponse r =
        browser
            .newRequest("127.0.0.1", via.port)
            .path("/login")
            .method(HttpMethod.POST)
            .headers(h -> h.put(HttpHeader.HOST, i.id() + ".localhost:" + via.port))
            .body(new FormRequestContent(form))
            .timeout(30, TimeUnit.SECONDS)
            .send();
    assertThat(r.getStatus()).as("login").isEqualTo(302);
    return r.getHeaders().getValuesList(HttpHeader.SET_COOKIE).stream()
        .filter(v -> v.startsWith("prequel_ws="))
        .map(v -> v.substring(0, v.indexOf(';')))
        .findFirst()
        .orElseThrow();
  }

  private static ContentResponse workspaceGet(
      HttpClient browser, ReplicaProcess via, String id, String cookie) throws Exception {
    return browser
        .newRequest("127.0.0.1", via.port)
        .path("/")
        .method(HttpMethod.GET)
        .headers(
            h ->
                h.put(HttpHeader.HOST, id + ".localhost:" + via.port)
                    .put(HttpHeader.ACCEPT, "text/html")
                    .put(HttpHeader.COOKIE, cookie))
        .timeout(30, TimeUnit.SECONDS)
        .send();
  }
}
