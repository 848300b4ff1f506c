package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.EventStream;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestLogs;
import dev.prequel.testing.TestPrequel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole Prequels on one PostgreSQL, as two replicas behind a load balancer: a change made
 * through one reaches the live-event (SSE) clients of the other, over real HTTP, and a client that
 * reconnects (to either) with the last event id it saw gets what it missed.
 */
class LiveEventsAcrossReplicasTest {

  @Test
  void aChangeMadeThroughOneReplicaReachesTheOthersClientsAndAReconnectCatchesUp(
      @TempDir Path a, @TempDir Path b) throws Exception {
    // given two Prequels on one PostgreSQL, and an interviewer's live view on the second
    Map<String, String> env = replicaEnv(PostgresServer.shared().newDatabase());
    try (TestPrequel first = TestPrequel.start(a, env);
        TestPrequel second = TestPrequel.start(b, env)) {
      String lastSeen;
      JsonNode seen;
      try (EventStream onSecond = new EventStream(second.uri("/api/v1/events"))) {
        await().until(onSecond::connected);

        // when an interview is scheduled through the first, then cancelled
        seen = schedule(first, "pge Ada");
        String id = seen.get("id").asText();
        cancel(first, id);

        // then the client of the second sees both changes, with the candidate's password
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> onSecond.statusesOf(id).equals(List.of("scheduled", "cancelled")));
        assertThat(onSecond.events.get(0).get("password").asText())
            .isEqualTo(seen.get("password").asText());
        assertThat(onSecond.ids).allSatisfy(i -> assertThat(i).isNotEmpty());
        lastSeen = onSecond.lastId();
      }

      // when, while the client is away, another interview is scheduled and cancelled through the
      // second, and the client reconnects through the first with the last id it saw
      String missed = schedule(second, "pge Grace").get("id").asText();
      cancel(second, missed);
      try (EventStream again = new EventStream(first.uri("/api/v1/events"), lastSeen)) {
        // then it gets what it missed, and nothing it had seen
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> again.statusesOf(missed).equals(List.of("scheduled", "cancelled")));
        assertThat(again.statusesOf(seen.get("id").asText())).isEmpty();
        assertThat(again.ids.stream().map(Long::parseLong))
            .isSorted()
            .allSatisfy(i -> assertThat(i).isGreaterThan(Long.parseLong(lastSeen)));
      }
    }
  }

  /**
   * PREQUEL_DATABASE_* for a database of its own; no PREQUEL_SECRET_KEY: the replicas agree on keys
   * through the database (the password in an event is sealed by one, opened by the other).
   */
  static Map<String, String> replicaEnv(DatabaseSettings db) {
    TestLogs.secret(db.password()); // LogScanTest: no log line may show it
    Map<String, String> env = new HashMap<>();
    env.put("PREQUEL_DATABASE_URL", db.url());
    env.put("PREQUEL_DATABASE_USER", db.user());
    env.put("PREQUEL_DATABASE_PASSWORD", db.password());
    return env;
  }

  private static JsonNode schedule(TestPrequel through, String candidate) throws Exception {
    HttpResponse<String> r =
        through.send(
            "POST",
            "/api/v1/interviews",
            TestPrequel.JSON.writeValueAsString(
                Map.of(
                    "candidateName",
                    candidate,
                    "challengeId",
                    "sql-sales-report",
                    "durationMinutes",
                    60,
                    "scheduledAt",
                    Instant.now().plus(Duration.ofDays(1)).toString())));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return through.json(r);
  }

  private static void cancel(TestPrequel through, String id) throws Exception {
    HttpResponse<String> r = through.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
  }
}
