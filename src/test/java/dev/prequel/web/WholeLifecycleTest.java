package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.EventStream;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import dev.prequel.testing.TestRuntime;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A whole Prequel, the same way on every runtime: an interview comes up, the candidate signs in
 * through the proxy and works, time runs out by Prequel's clock, and their work outlives the
 * workspace in the archive.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
@ParameterizedClass(name = "on {0}")
@MethodSource("runtimes")
class WholeLifecycleTest {

  static Stream<TestRuntime> runtimes() {
    return Stream.of(TestRuntime.LOCAL, TestRuntime.docker("de2e"));
  }

  @Parameter TestRuntime runtime;
  @TempDir Path data;

  @Test
  void anInterviewRunsItsCourseAndExpiresByPrequelsClockKeepingTheCandidatesWork()
      throws Exception {
    // starts at the real time: the engine's and code-server's own timestamps stay plausible
    MutableClock clock = new MutableClock(Instant.now());
    try (TestRuntime made = runtime;
        TestPrequel p =
            TestPrequel.start(
                data,
                // the reconcile pass notices the moved clock within a second
                Map.of("PREQUEL_RECONCILE_SECONDS", "1"),
                clock,
                made);
        EventStream sse = new EventStream(p.uri("/api/v1/events"))) {
      await().atMost(Duration.ofSeconds(10)).until(sse::connected);

      // given an interview of 30 minutes, up and handed over
      long begin = System.nanoTime();
      JsonNode created = p.create("sql-sales-report", 30);
      String id = created.get("id").asText();
      String password = created.get("password").asText();
      await().atMost(Duration.ofSeconds(90)).until(() -> p.status(id).equals("active"));
      System.out.printf(
          "[measure] %s create -> active: %d ms%n",
          runtime, (System.nanoTime() - begin) / 1_000_000);
      assertThat(p.runtime().name()).isEqualTo(runtime.name());

      // the candidate signs in through Prequel's proxy and gets the workbench
      assertThat(p.workspaceLogin(id, "not-" + password).getStatus()).isEqualTo(401);
      String cookie = p.workspaceCookie(id, password);
      ContentResponse opened = p.workspaceGet(id, "/", cookie);
      assertThat(opened.getStatus()).as("code-server opens the workspace folder").isEqualTo(302);
      String folder = opened.getHeaders().get(HttpHeader.LOCATION);
      assertThat(folder).contains("folder=");
      ContentResponse workbench =
          p.workspaceGet(id, "/" + folder.replaceFirst("^\\./", "").replaceFirst("^/", ""), cookie);
      assertThat(workbench.getStatus()).isEqualTo(200);
      assertThat(workbench.getContentAsString()).contains("vscode");

      // and writes an answer in their terminal
      assertThat(
              runtime.runAsCandidate(
                  p.runtime(),
                  id,
                  "printf 'SELECT 42;\\n' > answers/1_revenue_by_month.sql && echo done > notes.txt"))
          .isZero();

      // when Prequel's clock passes the interview's end
      clock.advance(Duration.ofMinutes(31));

      // then it is destroyed, through every status, and its workspace is gone
      await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("destroyed"));
      await().atMost(Duration.ofSeconds(5)).until(() -> sse.statusesOf(id).contains("destroyed"));
      assertThat(sse.statusesOf(id))
          .containsExactly("initializing", "configuring", "active", "destroying", "destroyed");
      assertThat(p.runtime().find(id)).isEmpty();
      assertThat(p.runtime().list()).noneMatch(w -> w.interviewId().equals(id));
      assertThat(p.workspaceGet(id, "/", cookie).getStatus()).isEqualTo(404);

      // and the candidate's work, and the challenge's files, are in the archive
      Map<String, String> files = filesZip(p, id);
      assertThat(files)
          .containsEntry("answers/1_revenue_by_month.sql", "SELECT 42;\n")
          .containsEntry("notes.txt", "done\n")
          .containsKeys("README.md", "shop.sql", "check.py");
      JsonNode snapshots = p.json(p.get("/api/v1/interviews/" + id + "/snapshots"));
      assertThat(snapshots.get(snapshots.size() - 1).get("reason").asText()).isEqualTo("final");
      assertThat(p.get("/api/v1/interviews/" + id + "/log").body())
          .contains("configuring → active", "active → destroying")
          .doesNotContain(password);
    }
  }

  private static Map<String, String> filesZip(TestPrequel p, String id) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(p.uri("/api/v1/interviews/" + id + "/files.zip"))
                    .header("Authorization", TestAuth.basic())
                    .timeout(TestPrequel.ANSWER_TIMEOUT)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, String> files = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        files.put(
            e.getName().substring(id.length() + 1),
            new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return files;
  }
}
