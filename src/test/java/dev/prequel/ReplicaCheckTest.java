package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestLogs;
import dev.prequel.testing.TestPrequel;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On PostgreSQL (the sign that several replicas may run) Prequel says what lives on one machine
 * only: the local runtime, challenges and archive in local folders.
 */
class ReplicaCheckTest {

  @TempDir Path data;

  private Config config(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("PREQUEL_DATA_DIR", data.toString());
    return Config.fromEnv(env);
  }

  private static final Map<String, String> POSTGRES =
      Map.of(
          "PREQUEL_DATABASE_URL", "jdbc:postgresql://db.example:5432/prequel",
          "PREQUEL_DATABASE_USER", "prequel");

  @Test
  void onPostgresTheLocalRuntimeAndLocalFoldersAreNamedWithWhatToDo() {
    assertThat(ReplicaCheck.problems(config(POSTGRES), "local"))
        .hasSize(3)
        .anySatisfy(p -> assertThat(p).contains("local runtime").contains("PREQUEL_RUNTIME=docker"))
        .anySatisfy(p -> assertThat(p).contains("challenges").contains("PREQUEL_S3_BUCKET"))
        .anySatisfy(p -> assertThat(p).contains("archive").contains("PREQUEL_S3_BUCKET"));
  }

  @Test
  void onPostgresWithDockerAndABucketNothingIsSaid() {
    Map<String, String> env = new HashMap<>(POSTGRES);
    env.put("PREQUEL_S3_BUCKET", "pge-bucket");
    env.put("PREQUEL_S3_ENDPOINT", "http://s3.example:9000");
    assertThat(ReplicaCheck.problems(config(env), "docker")).isEmpty();
  }

  @Test
  void oneEmbeddedPrequelIsNeverTold() {
    assertThat(ReplicaCheck.problems(config(Map.of()), "local")).isEmpty();
  }

  @Test
  void aPrequelOnPostgresWithTheLocalRuntimeSaysSoInHealthz() throws Exception {
    // given a Prequel on PostgreSQL with the local runtime and no bucket
    DatabaseSettings db = PostgresServer.shared().newDatabase();
    TestLogs.secret(db.password());
    try (TestPrequel p =
        TestPrequel.start(
            data,
            Map.of(
                "PREQUEL_DATABASE_URL", db.url(),
                "PREQUEL_DATABASE_USER", db.user(),
                "PREQUEL_DATABASE_PASSWORD", db.password()))) {
      // when a monitor asks for its health, then it answers ok and names what is single-replica
      JsonNode health = p.json(p.get("/healthz"));
      assertThat(health.get("status").asText()).isEqualTo("ok");
      assertThat(health.get("replicas")).hasSize(3);
      assertThat(health.get("replicas").get(0).asText()).contains("local runtime");
    }
  }
}
