package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLogs;
import dev.prequel.testing.TestPrequel;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two whole Prequels on one PostgreSQL (PREQUEL_DATABASE_URL, each with a data folder of its own),
 * as two replicas behind a load balancer: what an admin does through one, the other knows.
 */
class PostgresReplicasTest {

  @Test
  void aUserCreatedThroughOneReplicaSignsInThroughTheOtherAndTheAuditLogIsShared(
      @TempDir Path a, @TempDir Path b) throws Exception {
    // given a database on PostgreSQL and two Prequels started on it
    DatabaseSettings db = PostgresServer.shared().newDatabase();
    TestLogs.secret(db.password()); // LogScanTest: no log line may show it
    Map<String, String> env =
        Map.of(
            "PREQUEL_DATABASE_URL", db.url(),
            "PREQUEL_DATABASE_USER", db.user(),
            "PREQUEL_DATABASE_PASSWORD", db.password());
    try (TestPrequel first = TestPrequel.start(a, env);
        TestPrequel second = TestPrequel.start(b, env)) {
      // when the admin creates an interviewer through the first
      HttpResponse<String> created =
          first.send(
              "POST",
              "/api/v1/users",
              """
              {"email": "ivy@prequel.test", "name": "Ivy", "role": "interviewer",
               "password": "ivy-password-1234"}""");
      assertThat(created.statusCode()).isEqualTo(201);
      // then she signs in through the second
      HttpResponse<String> me =
          TestPrequel.send(
              "GET",
              second.uri("/api/v1/me"),
              null,
              TestAuth.basic("ivy@prequel.test", "ivy-password-1234"));
      assertThat(me.statusCode()).isEqualTo(200);
      assertThat(me.body()).contains("ivy@prequel.test");
      // and the second's audit log shows what was done through the first
      assertThat(second.get("/api/v1/audit").body()).contains("ivy@prequel.test");
    }
  }
}
