package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Notes and scorecard through the real API, during and after an interview (issue 17, 4). */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class InterviewReviewTest {

  @TempDir static Path data;
  static TestPrequel p;

  @BeforeAll
  static void start() throws Exception {
    p = TestPrequel.start(data);
  }

  @AfterAll
  static void stop() {
    p.close();
  }

  @Test
  void notesAndScorecardAreEditableDuringAndAfterAuditedAndExportedWithTheFiles() throws Exception {
    // Given an active interview
    String id = p.create("sql-sales-report", 30).get("id").asText();
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("active"));

    // When an interviewer writes notes and scores it during the interview
    var notes =
        p.send(
            "PUT",
            "/api/v1/interviews/" + id + "/notes",
            "{\"markdown\":\"# Ada\\nAsked **good** questions.\"}");
    assertThat(notes.statusCode()).as(notes.body()).isEqualTo(200);
    JsonNode card = p.json(p.get("/api/v1/interviews/" + id + "/scorecard"));
    assertThat(card.get("scores").findValuesAsText("criterion"))
        .containsExactly("Problem solving", "Code quality", "Testing", "Communication");
    var scored =
        p.send(
            "PUT",
            "/api/v1/interviews/" + id + "/scorecard",
            "{\"scores\":{\"Problem solving\":4,\"Testing\":2},\"recommendation\":\"hire\","
                + "\"comment\":\"solid\"}");
    assertThat(scored.statusCode()).as(scored.body()).isEqualTo(200);

    // Then a criterion the challenge does not have, a score out of range or another verdict is
    // refused with the reason
    assertThat(
            p.send(
                    "PUT",
                    "/api/v1/interviews/" + id + "/scorecard",
                    "{\"scores\":{\"Charisma\":5}}")
                .body())
        .contains("not a criterion");
    assertThat(
            p.send("PUT", "/api/v1/interviews/" + id + "/scorecard", "{\"scores\":{\"Testing\":9}}")
                .statusCode())
        .isEqualTo(400);
    assertThat(
            p.send(
                    "PUT",
                    "/api/v1/interviews/" + id + "/scorecard",
                    "{\"recommendation\":\"maybe\"}")
                .statusCode())
        .isEqualTo(400);

    // and after the interview ended, the verdict can still change
    p.send("POST", "/api/v1/interviews/" + id + "/destroy", null);
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("destroyed"));
    var after =
        p.send(
            "PUT",
            "/api/v1/interviews/" + id + "/scorecard",
            "{\"scores\":{\"Problem solving\":4,\"Testing\":3},\"recommendation\":\"no-hire\","
                + "\"comment\":\"on reflection\"}");
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    JsonNode saved = p.json(p.get("/api/v1/interviews/" + id + "/scorecard"));
    assertThat(saved.get("recommendation").asText()).isEqualTo("no-hire");
    assertThat(saved.get("updatedBy").asText()).contains("@");

    // The portal's review page shows the notes rendered
    var page = p.get("/interviews/" + id + "/review");
    assertThat(page.body()).contains("<strong>good</strong>", "Save scorecard");

    // Every save is in the audit log, without the notes' text
    List<String> audited = new ArrayList<>();
    p.json(p.get("/api/v1/audit"))
        .forEach(
            e -> {
              if (e.get("target").asText().equals("interview " + id)) {
                audited.add(e.get("action").asText() + ": " + e.get("detail").asText());
              }
            });
    assertThat(audited)
        .anySatisfy(a -> assertThat(a).startsWith("interview.notes: notes saved"))
        .anySatisfy(a -> assertThat(a).contains("recommendation no-hire"))
        .noneSatisfy(a -> assertThat(a).contains("good"));

    // The zip of the candidate's files carries the review beside them
    Map<String, String> zip = zip(id);
    assertThat(zip).containsKey(id + "/README.md");
    assertThat(zip.get(id + "-review/notes.md")).contains("Asked **good** questions.");
    assertThat(zip.get(id + "-review/scorecard.json")).contains("no-hire", "on reflection");
  }

  private static Map<String, String> zip(String id) throws Exception {
    HttpResponse<byte[]> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(p.uri("/api/v1/interviews/" + id + "/files.zip"))
                    .header("Authorization", dev.prequel.testing.TestAuth.basic())
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    Map<String, String> files = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(r.body()))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        files.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return files;
  }
}
