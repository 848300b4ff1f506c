package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.runtime.Workspace;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Prequel stops (as in a crash or an upgrade) while candidates work; the next start carries on. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class RestartTest {

  @TempDir Path data;

  @Test
  void aRestartKeepsEveryInterviewAndAdoptsTheRunningWorkspace() throws Exception {
    TestPrequel first = TestPrequel.start(data);
    JsonNode active = first.create("python-pandas-cleaning", 60);
    String id = active.get("id").asText();
    JsonNode scheduled =
        TestPrequel.JSON.readTree(
            first
                .send(
                    "POST",
                    "/api/v1/interviews",
                    "{\"candidateName\":\"Later\",\"challengeId\":\"sql-sales-report\",\"durationMinutes\":30,"
                        + "\"scheduledAt\":\""
                        + java.time.Instant.now().plus(Duration.ofDays(2))
                        + "\"}")
                .body());
    await().atMost(Duration.ofSeconds(60)).until(() -> first.status(id).equals("active"));
    Workspace before = first.runtime().find(id).orElseThrow();
    String cookie = first.workspaceCookie(id, active.get("password").asText());
    first.stopLeavingWorkspaces();

    try (TestPrequel second = TestPrequel.start(data)) {
      assertThat(second.status(id)).isEqualTo("active");
      assertThat(second.status(scheduled.get("id").asText())).isEqualTo("scheduled");
      Workspace after = second.runtime().find(id).orElseThrow();
      assertThat(after.endpoint()).as("adopted, not restarted").isEqualTo(before.endpoint());
      assertThat(after.startedAt()).isEqualTo(before.startedAt());

      // The candidate's address works through the new process's proxy (on its new port).
      var login = second.workspaceLogin(id, active.get("password").asText());
      assertThat(login.getStatus()).isEqualTo(302);
      assertThat(second.workspaceGet(id, "/healthz", cookie).getStatus())
          .as("a candidate logged in before the restart stays logged in")
          .isEqualTo(200);
    }
  }
}
