package dev.prequel.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.runtime.Workspace;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** A warm pool of real code-server workspaces, through Prequel's API and proxy. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class WarmPoolTest {

  private static final Map<String, String> POOL_OF_TWO = Map.of("PREQUEL_POOL_SIZE", "2");

  @TempDir Path data;

  @Test
  void anInterviewTakesAWarmWorkspaceWithItsFilesAndPasswordAndThePoolRefills() throws Exception {
    try (TestPrequel p = TestPrequel.start(data, POOL_OF_TWO)) {
      awaitIdle(p, 2);
      Set<String> sparesBefore = new TreeSet<>(p.runtime().spares());

      long begin = System.nanoTime();
      JsonNode created = p.create("sql-sales-report", 60);
      String id = created.get("id").asText();
      await().atMost(Duration.ofSeconds(30)).until(() -> p.status(id).equals("active"));
      System.out.printf(
          "[measure] create -> active from the pool: %d ms%n",
          (System.nanoTime() - begin) / 1_000_000);

      String log = p.get("/api/v1/interviews/" + id + "/log").body();
      System.out.println("[measure] the pooled interview's log: " + log);
      assertThat(log).contains("took a warm workspace from the pool");
      assertThat(sparesBefore).contains(folderOf(id));
      assertThat(p.runtime().spares()).doesNotContain(folderOf(id));
      assertThat(data.resolve("workspaces").resolve(id).resolve("workspace").resolve("shop.sql"))
          .exists();

      // The candidate logs in with the interview's own password and gets the IDE on the folder.
      assertThat(p.workspaceLogin(id, "not-" + created.get("password").asText()).getStatus())
          .isEqualTo(401);
      String cookie = p.workspaceCookie(id, created.get("password").asText());
      ContentResponse opened = p.workspaceGet(id, "/", cookie);
      assertThat(opened.getStatus()).isEqualTo(302);
      assertThat(opened.getHeaders().get(HttpHeader.LOCATION)).contains("folder=");
      assertThat(p.workspaceGet(id, "/healthz", cookie).getStatus()).isEqualTo(200);

      awaitIdle(p, 2);
      String metrics = p.get("/metrics").body();
      assertThat(metrics)
          .contains("prequel_pool_size 2.0")
          .contains("prequel_pool_idle 2.0")
          .contains("prequel_pool_claims_total{outcome=\"warm\"} 1.0");
      // Two idle code-servers wait in the pool: each takes ~130 MiB, so well over 64 MiB in all.
      assertThat(sample(metrics, "prequel_pool_memory_bytes")).isGreaterThan(64.0 * 1024 * 1024);

      assertThat(p.send("POST", "/api/v1/interviews/" + id + "/destroy", null).statusCode())
          .isEqualTo(202);
      await().atMost(Duration.ofSeconds(30)).until(() -> p.status(id).equals("destroyed"));
      assertThat(data.resolve("workspaces").resolve(id)).doesNotExist();
      assertThat(p.runtime().find(id)).isEmpty();
      assertThat(p.runtime().spares()).hasSize(2);
    }
    assertThat(codeServersUnder(data)).as("closing with workspaces stops the spares").isEmpty();
  }

  @Test
  void aRestartTakesTheSparesBackAndLeavesNoOrphanNorStuckInterview() throws Exception {
    TestPrequel first = TestPrequel.start(data, POOL_OF_TWO);
    awaitIdle(first, 2);
    JsonNode created = first.create("sql-sales-report", 60);
    String id = created.get("id").asText();
    await().atMost(Duration.ofSeconds(30)).until(() -> first.status(id).equals("active"));
    awaitIdle(first, 2);
    Set<String> spares = new TreeSet<>(first.runtime().spares());
    Workspace before = first.runtime().find(id).orElseThrow();
    first.stopLeavingWorkspaces();

    TestPrequel second = TestPrequel.start(data, POOL_OF_TWO);
    try {
      assertThat(second.status(id)).isEqualTo("active");
      assertThat(second.runtime().find(id)).as("adopted").contains(before);
      awaitIdle(second, 2);
      assertThat(second.runtime().spares()).as("taken back").isEqualTo(List.copyOf(spares));
      assertThat(second.workspaceGet(id, "/healthz", second.workspaceCookie(id, password(created))))
          .extracting(ContentResponse::getStatus)
          .isEqualTo(200);
      Set<String> expected = new TreeSet<>(spares);
      expected.add(folderOf(id));
      assertThat(codeServersUnder(data)).as("no orphans").isEqualTo(expected);
    } finally {
      second.stopLeavingWorkspaces();
    }

    // Started again without a pool: the spares go, the interview stays.
    try (TestPrequel third = TestPrequel.start(data)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  codeServersUnder(data).equals(Set.of(folderOf(id)))
                      && third.runtime().spares().isEmpty());
      assertThat(third.status(id)).isEqualTo("active");
    }
  }

  private String folderOf(String interviewId) throws IOException {
    return Files.readSymbolicLink(data.resolve("workspaces").resolve(interviewId)).toString();
  }

  private static String password(JsonNode created) {
    return created.get("password").asText();
  }

  private static void awaitIdle(TestPrequel p, int idle) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                p.json(p.get("/healthz")).path("pool").path("idle").asInt() == idle
                    && p.pool().starting() == 0);
  }

  /** The workspace folders that running processes (code-server, its sandbox) belong to. */
  private static Set<String> codeServersUnder(Path data) {
    Pattern folder =
        Pattern.compile(Pattern.quote(data.resolve("workspaces").toString()) + "/([^/\\s]+)/");
    Set<String> folders = new TreeSet<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        String cmdline;
        try {
          cmdline =
              new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
        } catch (IOException e) {
          continue; // gone meanwhile
        }
        Matcher m = folder.matcher(cmdline);
        while (m.find()) {
          folders.add(m.group(1));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc", e);
    }
    return folders;
  }

  private static double sample(String exposition, String name) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not in /metrics"));
  }
}
