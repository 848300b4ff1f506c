package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.EventStream;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestLogs;
import dev.prequel.testing.TestPrequel;
import dev.prequel.testing.TestRuntime;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-interview secrets (issue 17, 6) through a whole Prequel, on every runtime: given in the API,
 * seen by the candidate's terminal in that workspace only, never shown again (API, portal, events,
 * log, files.zip), and gone when the interview ends. {@code LogScanTest} looks for the values in
 * every log of the suite.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
@ParameterizedClass(name = "on {0}")
@MethodSource("runtimes")
class InterviewSecretsTest {

  static Stream<TestRuntime> runtimes() {
    return Stream.of(TestRuntime.LOCAL, TestRuntime.docker("scw"));
  }

  private static final String NAME = "SC_API_KEY";

  @Parameter TestRuntime runtime;
  @TempDir Path data;

  @Test
  void onlyTheInterviewsOwnTerminalSeesItsSecretAndNothingShowsOrKeepsItAfter() throws Exception {
    String value = "sc-whole-" + UUID.randomUUID();
    TestLogs.secret(value);
    try (TestRuntime made = runtime;
        TestPrequel p =
            TestPrequel.start(
                data,
                Map.of("PREQUEL_RECONCILE_SECONDS", "1"),
                new MutableClock(Instant.now()),
                made);
        EventStream sse = new EventStream(p.uri("/api/v1/events"))) {
      await().atMost(Duration.ofSeconds(10)).until(sse::connected);

      // given an interview with a secret and one without
      HttpResponse<String> created =
          p.send(
              "POST",
              "/api/v1/interviews",
              TestPrequel.JSON.writeValueAsString(
                  Map.of(
                      "candidateName",
                      "Ada",
                      "challengeId",
                      "sql-sales-report",
                      "durationMinutes",
                      30,
                      "secrets",
                      Map.of(NAME, value))));
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(created.body()).doesNotContain(value);
      String holder = p.json(created).get("id").asText();
      String other = p.create("sql-sales-report", 30).get("id").asText();

      // then the API and the portal name it, and show no value
      assertThat(p.json(p.get("/api/v1/interviews/" + holder + "/secrets")).get("names"))
          .extracting(JsonNode::asText)
          .containsExactly(NAME);
      HttpResponse<String> page = p.get("/interviews/" + holder);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains(NAME).doesNotContain(value);
      assertThat(p.get("/api/v1/interviews/" + holder).body()).doesNotContain(value);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> p.status(holder).equals("active") && p.status(other).equals("active"));

      // when each candidate looks in their terminal (the value is compared by its hash, so it is
      // on no command line)
      int holderSees =
          runtime.runAsCandidate(
              p.runtime(),
              holder,
              "test \"$(printf %s \"$" + NAME + "\" | sha256sum | cut -c1-64)\" = " + sha(value));
      int otherSees = runtime.runAsCandidate(p.runtime(), other, "test -z \"${" + NAME + "+x}\"");

      // then only the holder's has it
      assertThat(holderSees).isZero();
      assertThat(otherSees).as("the other interview has no such variable").isZero();

      // and it cannot change under a running workspace
      HttpResponse<String> late =
          p.send(
              "PUT",
              "/api/v1/interviews/" + holder + "/secrets",
              "{\"secrets\": {\"SC_OTHER\": \"sc-late-value\"}}");
      assertThat(late.statusCode()).isEqualTo(409);
      assertThat(late.body()).doesNotContain("sc-late-value");

      // when the interview ends
      p.send("POST", "/api/v1/interviews/" + holder + "/destroy", null);
      await().atMost(Duration.ofSeconds(60)).until(() -> p.status(holder).equals("destroyed"));

      // then its secret is gone from the database, and was never in the log, events or files
      assertThat(p.json(p.get("/api/v1/interviews/" + holder + "/secrets")).get("names")).isEmpty();
      assertThat(p.get("/api/v1/interviews/" + holder + "/log").body())
          .contains("secrets " + NAME)
          .doesNotContain(value);
      assertThat(sse.events).isNotEmpty();
      assertThat(sse.events.toString()).doesNotContain(value);
      assertThat(filesZip(p, holder)).doesNotContain(value);
    }
  }

  @Test
  void secretsOfAScheduledInterviewCanBeReplacedAndGoWhenItIsCancelled() throws Exception {
    try (TestRuntime made = runtime;
        TestPrequel p = TestPrequel.start(data, Map.of(), new MutableClock(Instant.now()), made)) {
      // given a scheduled interview without secrets
      HttpResponse<String> created =
          p.send(
              "POST",
              "/api/v1/interviews",
              TestPrequel.JSON.writeValueAsString(
                  Map.of(
                      "candidateName",
                      "Grace",
                      "challengeId",
                      "sql-sales-report",
                      "durationMinutes",
                      30,
                      "scheduledAt",
                      Instant.now().plus(Duration.ofDays(1)).toString())));
      String id = p.json(created).get("id").asText();
      String path = "/api/v1/interviews/" + id + "/secrets";

      // when secrets are given, badly and then well
      HttpResponse<String> reserved =
          p.send("PUT", path, "{\"secrets\": {\"LD_PRELOAD\": \"/tmp/x.so\"}}");
      HttpResponse<String> set =
          p.send("PUT", path, "{\"secrets\": {\"SC_B\": \"sc-b-value\", \"SC_A\": \"sc-a-1\"}}");

      // then the bad ones are refused with a reason, and the answer names the good ones only
      assertThat(reserved.statusCode()).isEqualTo(400);
      assertThat(reserved.body()).contains("LD_PRELOAD").doesNotContain("/tmp/x.so");
      assertThat(set.statusCode()).isEqualTo(200);
      assertThat(p.json(set).get("names"))
          .extracting(JsonNode::asText)
          .containsExactly("SC_A", "SC_B");
      assertThat(set.body()).doesNotContain("sc-b-value");

      // when it is cancelled, its secrets go with it
      p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
      assertThat(p.status(id)).isEqualTo("cancelled");
      assertThat(p.json(p.get(path)).get("names")).isEmpty();
    }
  }

  private static String sha(String value) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** Every entry of the interview's files.zip, names and contents, unpacked, as text. */
  private static String filesZip(TestPrequel p, String id) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(p.uri("/api/v1/interviews/" + id + "/files.zip"))
                    .header("Authorization", TestAuth.basic())
                    .timeout(TestPrequel.ANSWER_TIMEOUT)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    StringBuilder all = new StringBuilder();
    try (java.util.zip.ZipInputStream in =
        new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(r.body()))) {
      for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        all.append(e.getName()).append('\n');
        all.append(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    assertThat(all).isNotEmpty();
    return all.toString();
  }
}
