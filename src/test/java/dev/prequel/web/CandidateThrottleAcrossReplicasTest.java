package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestPrequel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.FormRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole Prequels on one PostgreSQL, as two replicas behind a load balancer: a guesser who
 * spreads wrong candidate passwords over both is counted once, so the limit per interview holds
 * (the take-home's Start form counts against the same throttle as the workspace's login page).
 */
class CandidateThrottleAcrossReplicasTest {

  @Test
  void wrongPasswordsSpreadOverTwoReplicasAreCountedTogether(@TempDir Path a, @TempDir Path b)
      throws Exception {
    // given two Prequels on one PostgreSQL and a take-home waiting for its candidate
    Map<String, String> env =
        LiveEventsAcrossReplicasTest.replicaEnv(PostgresServer.shared().newDatabase());
    try (TestPrequel first = TestPrequel.start(a, env);
        TestPrequel second = TestPrequel.start(b, env);
        Closing http = new Closing()) {
      HttpResponse<String> invited =
          first.send(
              "POST",
              "/api/v1/take-homes",
              """
              {"candidateName": "ctr Ada", "challengeId": "sql-sales-report",
               "durationMinutes": 60}""");
      assertThat(invited.statusCode()).as(invited.body()).isEqualTo(201);
      JsonNode interview = first.json(invited).get("interview");
      String id = interview.get("id").asText();
      String password = interview.get("password").asText();

      // when ten wrong passwords are tried, taking turns between the replicas
      for (int n = 0; n < 10; n++) {
        TestPrequel via = n % 2 == 0 ? first : second;
        ContentResponse wrong = start(http.client, via, id, "wrong-" + n);
        assertThat(wrong.getStatus()).as("wrong password %d", n).isEqualTo(401);
        // a 401 names its challenge (HTTP requires one): the form, so no browser prompts
        assertThat(wrong.getHeaders().get(HttpHeader.WWW_AUTHENTICATE)).contains("form=");
      }

      // then both replicas refuse further tries, even the right password, and nothing started
      assertThat(start(http.client, first, id, password).getStatus()).isEqualTo(429);
      ContentResponse onSecond = start(http.client, second, id, password);
      assertThat(onSecond.getStatus()).isEqualTo(429);
      assertThat(onSecond.getContentAsString()).contains("Too many wrong passwords");
      assertThat(second.status(id)).isEqualTo("invited");
    }
  }

  /** The take-home's Start form, posted to the candidate's host through one replica. */
  private static ContentResponse start(HttpClient http, TestPrequel via, String id, String password)
      throws Exception {
    Fields form = new Fields();
    form.put("password", password);
    return http.newRequest("127.0.0.1", via.port())
        .path("/_prequel/start")
        .method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.HOST, id + ".localhost:" + via.port()))
        .body(new FormRequestContent(form))
        .timeout(TestPrequel.ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
        .send();
  }

  /** A Jetty client that try-with-resources stops. */
  private static final class Closing implements AutoCloseable {
    final HttpClient client = new HttpClient();

    Closing() throws Exception {
      client.setFollowRedirects(false);
      client.start();
    }

    @Override
    public void close() throws Exception {
      client.stop();
    }
  }
}
