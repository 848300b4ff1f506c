package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestPrequel;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throws generated bad input at every operation of the published OpenAPI document: wrong types,
 * huge strings, odd Unicode, missing fields, bad dates, broken JSON, odd path and query values.
 * Whatever comes in, Prequel answers below 500, a refusal is a JSON {@code {error, message}}, and a
 * refused request changes nothing. The seed is printed; {@code -Dfuzz.seed=N -Dfuzz.cases=N}
 * replays or widens a run.
 */
class ApiFuzzTest {

  @TempDir static Path data;
  static TestPrequel p;
  static JsonNode api;
  static String interviewId;

  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private static final ObjectMapper JSON = TestPrequel.JSON;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
    try (InputStream in = ApiFuzzTest.class.getResourceAsStream("/api/openapi.yaml")) {
      api = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    interviewId =
        p.json(p.send("POST", "/api/v1/interviews", JSON.writeValueAsString(validInterview())))
            .get("id")
            .asText();
  }

  @AfterAll
  static void stop() {
    p.close();
  }

  @Test
  void noInputMakesPrequelFailOrChangeStateWhenRefused() throws Exception {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    int cases = Integer.getInteger("fuzz.cases", 12);
    System.out.println("[fuzz] seed " + seed + ", " + cases + " cases per operation");
    Random random = new Random(seed);
    int sent = 0;
    int refused = 0;
    for (Map.Entry<String, JsonNode> path : api.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        String method = op.getKey().toUpperCase(java.util.Locale.ROOT);
        if (op.getKey().equals("parameters") || path.getKey().equals("/api/v1/events")) {
          continue; // an event stream never ends; its input is only the Accept header
        }
        for (int i = 0; i < cases; i++) {
          String target = fill(path.getKey(), random);
          String body = body(method, path.getKey(), random);
          // Over the 1 MiB cap Prequel answers 413 and closes before the client has sent it all,
          // which the client may see as no answer at all: bodies that large are the 413 test's.
          while (body != null && body.getBytes(StandardCharsets.UTF_8).length >= 1024 * 1024) {
            body = body(method, path.getKey(), random);
          }
          String state = state();
          HttpResponse<String> r = send(method, target, body, random);
          sent++;
          String what = method + " " + target + " " + abbreviate(body) + " (seed " + seed + ")";
          assertThat(r.statusCode()).as(what + " → " + r.body()).isLessThan(500);
          if (r.statusCode() >= 400) {
            refused++;
            assertThat(r.headers().firstValue("Content-Type").orElse(""))
                .as(what + " → " + r.statusCode() + " " + abbreviate(r.body()))
                .startsWith("application/json");
            JsonNode problem = JSON.readTree(r.body());
            assertThat(problem.path("error").asText()).as(what).isNotBlank();
            assertThat(problem.path("message").asText()).as(what).isNotBlank();
            assertThat(state()).as("state after refused " + what).isEqualTo(state);
          }
        }
      }
    }
    System.out.println("[fuzz] " + sent + " requests, " + refused + " refused, no 5xx");
    assertThat(refused).as("bad input was refused").isGreaterThan(sent / 2);
    // Pages render whatever was accepted (e.g. odd Unicode names), escaped.
    HttpResponse<String> page =
        HTTP.send(
            HttpRequest.newBuilder(p.uri("/interviews"))
                .header("Authorization", TestAuth.basic())
                .header("Accept", "text/html")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
  }

  @Test
  void aBodyOverTheLimitIsRefusedWithoutBeingRead() throws Exception {
    String before = state();
    String huge =
        JSON.writeValueAsString(
            Map.of(
                "candidateName",
                "x".repeat(2 * 1024 * 1024),
                "challengeId",
                "sql-sales-report",
                "durationMinutes",
                60,
                "scheduledAt",
                Instant.now().plus(Duration.ofDays(1)).toString()));
    HttpResponse<String> r =
        send(
            "POST",
            "/api/v1/interviews",
            huge,
            new Random(0) {
              @Override
              public int nextInt(int bound) {
                return 0; // application/json
              }
            });
    assertThat(r.statusCode()).isEqualTo(413);
    JsonNode problem = JSON.readTree(r.body());
    assertThat(problem.get("error").asText()).isEqualTo("too_large");
    assertThat(problem.get("message").asText()).contains("larger than");
    assertThat(state()).isEqualTo(before);
  }

  @Test
  void aLargeBodyOfTheWrongTypeGetsItsRefusalNotAClosedConnection() throws Exception {
    String before = state();
    String body = "candidateName=" + "y".repeat(900 * 1024); // under the cap, not JSON
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r =
          send(
              "POST",
              "/api/v1/interviews",
              body,
              new Random(0) {
                @Override
                public int nextInt(int bound) {
                  return 2; // text/plain
                }
              });
      assertThat(r.statusCode()).isEqualTo(415);
      assertThat(JSON.readTree(r.body()).get("message").asText()).contains("application/json");
    }
    assertThat(state()).isEqualTo(before);
  }

  /**
   * What a refused request must leave alone: which interviews exist and their terms (not their
   * status, which the lifecycle moves on its own), the challenges, users and tokens.
   */
  private static String state() throws Exception {
    StringBuilder s = new StringBuilder();
    for (JsonNode i : p.json(p.get("/api/v1/interviews"))) {
      for (String field : List.of("id", "candidateName", "challengeId", "startsAt", "expiresAt")) {
        s.append(i.path(field).asText()).append(' ');
      }
      s.append('\n');
    }
    for (JsonNode c : p.json(p.get("/api/v1/challenges"))) {
      for (String field : List.of("id", "title", "description", "deleted", "useCount")) {
        s.append(c.path(field).asText()).append(' ');
      }
      s.append('\n');
    }
    s.append(p.get("/api/v1/users").body()).append('\n');
    s.append(p.get("/api/v1/tokens").body()).append('\n');
    return s.toString();
  }

  private static HttpResponse<String> send(String method, String target, String body, Random random)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + target))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", TestAuth.basic())
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header(
          "Content-Type",
          pick(
              random, "application/json", "application/json", "text/plain", "multipart/form-data"));
    } else if (!method.equals("GET") && random.nextInt(4) > 0) {
      // state-changing API calls need application/json even without a body (415 otherwise)
      b.header("Content-Type", "application/json");
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The path with odd values for its parameters, and odd query parameters. */
  private static String fill(String template, Random random) {
    String path = template;
    while (path.contains("{")) {
      int open = path.indexOf('{');
      int close = path.indexOf('}', open);
      String value =
          random.nextInt(3) == 0
              ? interviewId
              : pick(
                  random,
                  "nosuch",
                  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                  "a".repeat(5000),
                  "%00",
                  "%F0%9F%92%A5",
                  "ABC",
                  "-1",
                  "sql-sales-report",
                  "..%5c..");
      path = path.substring(0, open) + value + path.substring(close + 1);
    }
    if (random.nextBoolean()) {
      String name = pick(random, "status", "limit", "sort", "snapshot", "from", "to", "view");
      path += "?" + name + "=" + URLEncoder.encode(text(random), StandardCharsets.UTF_8);
    }
    return path;
  }

  /** A body for operations that take one: a valid one with one field broken, or garbage. */
  private static String body(String method, String path, Random random) throws Exception {
    if (method.equals("GET") || method.equals("DELETE")) {
      return random.nextInt(4) == 0 ? text(random) : null;
    }
    ObjectNode valid =
        switch (path) {
          case "/api/v1/interviews" -> JSON.valueToTree(validInterview());
          case "/api/v1/interviews/{id}" ->
              JSON.valueToTree(
                  Map.of("expiresAt", Instant.now().plus(Duration.ofDays(1)).toString()));
          case "/api/v1/users" ->
              JSON.valueToTree(
                  Map.of(
                      "email", "f@prequel.test", "password", "fuzz-password-123", "role", "admin"));
          case "/api/v1/users/{id}" -> JSON.valueToTree(Map.of("role", "admin"));
          case "/api/v1/tokens" -> JSON.valueToTree(Map.of("name", "fuzz"));
          default -> JSON.createObjectNode();
        };
    int kind = random.nextInt(5);
    if (kind == 0) {
      return pick(
          random,
          "",
          "{",
          "[]",
          "null",
          "42",
          "\"text\"",
          "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}",
          "\u0000\u0001\u0002",
          "{\"candidateName\": \"x\", \"candidateName\": 1}");
    }
    if (kind == 1) {
      if (valid.isEmpty()) {
        return "{}";
      }
      List<String> names = new ArrayList<>();
      valid.fieldNames().forEachRemaining(names::add);
      names.remove("scheduledAt"); // without it an interview starts now: a real workspace
      if (names.isEmpty()) {
        return "{}";
      }
      valid.remove(names.get(random.nextInt(names.size())));
      return JSON.writeValueAsString(valid);
    }
    List<String> fields = new ArrayList<>();
    valid.fieldNames().forEachRemaining(fields::add);
    fields.add("unexpected");
    String field = fields.get(random.nextInt(fields.size()));
    JsonNode value = badValue(random);
    if (field.equals("scheduledAt") && value.isNull()) {
      value = JSON.valueToTree("yesterday"); // null means "now": a real workspace
    }
    valid.set(field, value);
    return JSON.writeValueAsString(valid);
  }

  private static JsonNode badValue(Random random) {
    List<Supplier<Object>> values =
        List.of(
            () -> null,
            () -> 12345678901234L,
            () -> -1,
            () -> 3.5,
            () -> true,
            () -> List.of(1, 2),
            () -> Map.of("nested", "object"),
            () -> "x".repeat(200_000),
            () -> "2026-13-45T25:61:00Z",
            () -> "yesterday",
            () -> "1970-01-01T00:00:00Z",
            () -> "+999999999-12-31T23:59:59Z",
            () -> "",
            () -> "   ",
            () -> text(random));
    return JSON.valueToTree(values.get(random.nextInt(values.size())).get());
  }

  /** Odd Unicode: bidi overrides, combining marks, astral characters, lone surrogates, controls. */
  private static String text(Random random) {
    return pick(
        random,
        "\u202Eevil\u202C",
        "Zalgo\u0301\u0302\u0303\u0304\u0305",
        "💥🙂𝔘𝔫𝔦",
        "\uD800lone",
        "tab\tnew\nline\r\u0000nul",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "%s%n%x",
        "ｆｕｌｌｗｉｄｔｈ",
        "a".repeat(10_000));
  }

  private static Map<String, Object> validInterview() {
    return Map.of(
        "candidateName",
        "Fuzz Candidate",
        "challengeId",
        "sql-sales-report",
        "durationMinutes",
        60,
        "scheduledAt",
        Instant.now().plus(Duration.ofDays(3)).toString());
  }

  @SafeVarargs
  private static <T> T pick(Random random, T... options) {
    return options[random.nextInt(options.length)];
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "";
    }
    return s.length() > 120 ? s.substring(0, 120) + "…(" + s.length() + " chars)" : s;
  }
}
