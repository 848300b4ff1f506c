package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.testing.TestLocks;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/** What an operator and an interviewer see of the workspace sandbox. */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class SandboxedInterviewTest {

  @TempDir Path data;

  @Test
  void healthSaysHowWorkspacesAreIsolatedAndThePortalShowsNoWarning() throws Exception {
    try (TestPrequel p = TestPrequel.start(data, Map.of("PREQUEL_WORKSPACE_CPUS", "0.5"))) {
      JsonNode health = p.json(p.get("/healthz"));

      assertThat(health.get("isolation").asText()).isEqualTo("sandbox");
      assertThat(health.get("outbound").asText()).isEqualTo("none");
      assertThat(health.get("limits").get("cpus").asDouble()).isEqualTo(0.5);
      assertThat(health.get("limits").get("memoryMb").asInt()).isEqualTo(2048);
      assertThat(health.get("limits").get("processes").asInt()).isEqualTo(512);
      assertThat(p.get("/interviews").body()).doesNotContain("not sandboxed");
    }
  }

  @Test
  void aWorkspaceThatRunsOutOfMemoryEndsInErrorSayingSo() throws Exception {
    try (TestPrequel p = TestPrequel.start(data, Map.of("PREQUEL_WORKSPACE_MEMORY_MB", "32"))) {
      String id = p.create("python-pandas-cleaning", 60).get("id").asText();

      await().atMost(Duration.ofSeconds(60)).until(() -> p.status(id).equals("error"));
      assertThat(p.json(p.get("/api/v1/interviews/" + id)).get("errorReason").asText())
          .isEqualTo("killed: out of memory (limit 32 MiB)");
    }
  }
}
