package dev.prequel.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Snapshots, zip download, delete and workspace restarts with a real Prequel and code-server. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class ArchiveApiTest {

  @TempDir static Path data;
  static TestPrequel p;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data, Map.of("PREQUEL_SNAPSHOT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    p.close();
  }

  static Path workspace(String id) {
    return data.resolve("workspaces").resolve(id).resolve("workspace");
  }

  static Map<String, String> zip(String id, String query) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(p.uri("/api/v1/interviews/" + id + "/files.zip" + query))
                    .header("Authorization", dev.prequel.testing.TestAuth.basic())
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValueSatisfying(c -> assertThat(c).contains("zip"));
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

  @Test
  void theCandidatesWorkIsSnapshottedAndTheFinalSnapshotOutlivesTheWorkspace() throws Exception {
    String id = p.create("sql-sales-report", 60).get("id").asText();
    await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("active"));
    assertThat(p.send("DELETE", "/api/v1/interviews/" + id, null).statusCode()).isEqualTo(409);
    // The baseline follows "active" at once; a candidate's first edit comes seconds later, once
    // the workbench has loaded.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.json(p.get("/api/v1/interviews/" + id + "/snapshots")).size() > 0);

    Files.writeString(workspace(id).resolve("check.py"), "module.exports = () => 1;\n");
    Files.createDirectories(workspace(id).resolve("node_modules/dep"));
    Files.writeString(workspace(id).resolve("node_modules/dep/index.js"), "x");
    long begin = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> zip(id, "").getOrDefault("check.py", "").contains("() => 1"));
    System.out.printf(
        "[measure] write -> in a snapshot: %d ms%n", (System.nanoTime() - begin) / 1_000_000);
    assertThat(zip(id, "")).doesNotContainKey("node_modules/dep/index.js").containsKey("README.md");

    Files.writeString(workspace(id).resolve("check.py"), "last write\n");
    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    await().atMost(Duration.ofSeconds(30)).until(() -> p.status(id).equals("destroyed"));

    assertThat(workspace(id)).doesNotExist();
    JsonNode snapshots = p.json(p.get("/api/v1/interviews/" + id + "/snapshots"));
    assertThat(snapshots.get(0).get("reason").asText()).isEqualTo("baseline");
    assertThat(snapshots.get(snapshots.size() - 1).get("reason").asText()).isEqualTo("final");
    assertThat(snapshots.get(0).get("fileCount").asInt()).isPositive();
    assertThat(zip(id, "").get("check.py")).isEqualTo("last write\n");
    String baseline = snapshots.get(0).get("id").asText();
    assertThat(zip(id, "?snapshot=" + baseline).get("check.py")).doesNotContain("last write");

    HttpResponse<String> bad = p.get("/api/v1/interviews/" + id + "/files.zip?snapshot=nope");
    assertThat(bad.statusCode()).isEqualTo(404);
    assertThat(p.json(bad).get("message").asText()).contains("no snapshot 'nope'");
    HttpResponse<String> page =
        p.get(
            "/interviews/"
                + id
                + "/files?snapshot="
                + snapshots.get(snapshots.size() - 1).get("id").asText()
                + "&path=check.py");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("check.py", "last write", "Delete interview and archive");

    assertThat(p.send("DELETE", "/api/v1/interviews/" + id, null).statusCode()).isEqualTo(204);
    assertThat(p.get("/api/v1/interviews/" + id).statusCode()).isEqualTo(404);
    assertThat(data.resolve("archive").resolve(id + ".git")).doesNotExist();
  }

  @Test
  void aWorkspaceWhoseCodeServerIsKilledIsBackWithItsFilesWithinFiveSeconds() throws Exception {
    JsonNode created = p.create("python-pandas-cleaning", 60);
    String id = created.get("id").asText();
    await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("active"));
    Files.writeString(workspace(id).resolve("cleaning.py"), "work in progress\n");
    var before = p.runtime().find(id).orElseThrow();
    String cookie = p.workspaceCookie(id, created.get("password").asText());

    long root = readPid(data.resolve("workspaces").resolve(id).resolve("runtime.json"));
    ProcessHandle handle = ProcessHandle.of(root).orElseThrow();
    handle.descendants().forEach(ProcessHandle::destroyForcibly);
    handle.destroyForcibly();
    long killedAt = System.nanoTime();

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                p.runtime()
                        .find(id)
                        .filter(w -> !w.startedAt().equals(before.startedAt()))
                        .isPresent()
                    && p.workspaceGet(id, "/healthz", cookie).getStatus() == 200);
    System.out.printf(
        "[measure] code-server killed -> answering again: %d ms%n",
        (System.nanoTime() - killedAt) / 1_000_000);

    assertThat(p.status(id)).isEqualTo("active");
    assertThat(Files.readString(workspace(id).resolve("cleaning.py")))
        .isEqualTo("work in progress\n");
    assertThat(p.workspaceGet(id, "/healthz", cookie).getStatus())
        .as("the candidate stays logged in")
        .isEqualTo(200);
    assertThat(p.get("/api/v1/interviews/" + id + "/log").body())
        .contains("workspace restarted after its process exited");
  }

  private static long readPid(Path runtimeJson) throws Exception {
    return TestPrequel.JSON.readTree(Files.readString(runtimeJson)).get("pid").asLong();
  }
}
