package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestPrequel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Prequel started without PREQUEL_ADMIN_EMAIL: the one-time setup link creates the first admin.
 * Then what lands on disk: no candidate password, API token or admin password in plain text.
 */
class FirstStartTest {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
  private static final String EMAIL = "owner@prequel.test";
  private static final String PASSWORD = "owner-password-123";

  @Test
  void theSetupLinkCreatesTheFirstAdminOnceAndSecretsStayEncryptedOnDisk(@TempDir Path data)
      throws Exception {
    String candidatePassword;
    String token;
    String interviewId;
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream original = System.out;
    TestPrequel p;
    System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
    try {
      p = TestPrequel.start(data, Map.of("PREQUEL_ADMIN_EMAIL", "", "PREQUEL_ADMIN_PASSWORD", ""));
    } finally {
      System.setOut(original);
    }
    try (p) {
      Matcher link =
          Pattern.compile("http://localhost:" + p.port() + "/setup\\?token=([A-Za-z0-9_-]{43})")
              .matcher(console.toString(StandardCharsets.UTF_8));
      assertThat(link.find()).as("the console shows the setup link").isTrue();
      String setupToken = link.group(1);

      assertThat(page(p, "/login").body()).contains("No user exists yet");
      assertThat(TestPrequel.send("GET", p.uri("/api/v1/me"), null, null).statusCode())
          .isEqualTo(401);

      assertThat(setup(p, "wrong-token", EMAIL, PASSWORD).statusCode()).isEqualTo(403);
      HttpResponse<String> weak = setup(p, setupToken, EMAIL, "short");
      assertThat(weak.statusCode()).isEqualTo(400);
      assertThat(weak.body()).contains("at least 12 characters").contains("field-error");
      HttpResponse<String> done = setup(p, setupToken, EMAIL, PASSWORD);
      assertThat(done.statusCode()).isEqualTo(303);
      assertThat(done.headers().firstValue("Set-Cookie").orElseThrow()).contains("prequel_session");
      assertThat(setup(p, setupToken, "second@prequel.test", PASSWORD).statusCode())
          .as("the link works once")
          .isEqualTo(403);

      String admin = TestAuth.basic(EMAIL, PASSWORD);
      assertThat(TestPrequel.send("GET", p.uri("/api/v1/me"), null, admin).body())
          .contains("\"role\":\"admin\"");
      JsonNode interview =
          TestPrequel.JSON.readTree(
              TestPrequel.send(
                      "POST",
                      p.uri("/api/v1/interviews"),
                      TestPrequel.JSON.writeValueAsString(
                          Map.of(
                              "candidateName",
                              "Disk Check",
                              "challengeId",
                              "sql-sales-report",
                              "durationMinutes",
                              60,
                              "scheduledAt",
                              Instant.now().plus(Duration.ofDays(2)).toString())),
                      admin)
                  .body());
      interviewId = interview.get("id").asText();
      candidatePassword = interview.get("password").asText();
      token =
          TestPrequel.JSON
              .readTree(
                  TestPrequel.send("POST", p.uri("/api/v1/tokens"), "{\"name\":\"disk\"}", admin)
                      .body())
              .get("token")
              .asText();
    }

    Path key = data.resolve("keys").resolve("secret.key");
    assertThat(Files.getPosixFilePermissions(key))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    List<Path> files;
    try (Stream<Path> all = Files.walk(data)) {
      files = all.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      String bytes = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      assertThat(bytes)
          .as(f.toString())
          .doesNotContain(candidatePassword)
          .doesNotContain(token)
          .doesNotContain(PASSWORD);
    }

    // The same data folder (and key) again: the interviewer can still show the password.
    try (TestPrequel again = TestPrequel.start(data, Map.of("PREQUEL_ADMIN_EMAIL", ""))) {
      JsonNode back =
          TestPrequel.JSON.readTree(
              TestPrequel.send(
                      "GET",
                      again.uri("/api/v1/interviews/" + interviewId),
                      null,
                      TestAuth.basic(EMAIL, PASSWORD))
                  .body());
      assertThat(back.get("password").asText()).isEqualTo(candidatePassword);
    }
  }

  @Test
  void theDataFolderTheDatabaseKeysAndArchiveAreForPrequelsUserOnly(@TempDir Path parent)
      throws Exception {
    // given a data folder as a permissive umask (or an earlier version) left it: open to all
    Path data = Files.createDirectories(parent.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path keys = Files.createDirectories(data.resolve("keys"));
    Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cookieKey = keys.resolve("workspace-cookie.key");
    Files.write(cookieKey, new byte[32]);
    Files.setPosixFilePermissions(cookieKey, PosixFilePermissions.fromString("rw-rw-rw-"));
    Path archive = parent.resolve("elsewhere-archive");

    // when Prequel starts on it (with the archive in a folder of its own)
    try (TestPrequel p =
        TestPrequel.start(data, Map.of("PREQUEL_ARCHIVE_DIR", archive.toString()))) {
      // then only Prequel's user may open any of it
      assertThat(mode(data)).isEqualTo("rwx------");
      assertThat(mode(keys)).isEqualTo("rwx------");
      assertThat(mode(archive)).isEqualTo("rwx------");
      assertThat(mode(cookieKey)).isEqualTo("rw-------");
      assertThat(mode(keys.resolve("secret.key"))).isEqualTo("rw-------");
      List<Path> database;
      try (Stream<Path> all = Files.list(data)) {
        database = all.filter(f -> f.getFileName().toString().startsWith("prequel.")).toList();
      }
      assertThat(database).isNotEmpty();
      for (Path f : database) {
        assertThat(mode(f)).as(f.toString()).isEqualTo("rw-------");
      }
    }
  }

  private static String mode(Path p) throws java.io.IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static HttpResponse<String> page(TestPrequel p, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri(path)).header("Accept", "text/html").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> setup(
      TestPrequel p, String token, String email, String password) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri("/setup"))
            .header("Accept", "text/html")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + token + "&email=" + email + "&name=Owner&password=" + password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
