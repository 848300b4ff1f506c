package dev.prequel.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import dev.prequel.testing.PostgresServer;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Opening the database: the schema, reopening, several replicas, credentials. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class DatabaseTest {

  @Parameter Database.Kind kind;
  @TempDir Path data;

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");
  static final SecretBox SECRETS = dev.prequel.testing.Secrets.randomBox();

  static Interview interview(String id) {
    return new Interview(
        id,
        "Ada",
        "hello",
        Status.SCHEDULED,
        "pw-" + id,
        null,
        T0,
        T0.plusSeconds(3600),
        T0,
        T0,
        null);
  }

  @Test
  void whatWasWrittenIsThereAfterReopening() {
    // given a database with an interview in it, closed as at a restart
    DatabaseSettings where = TestDatabases.fresh(kind);
    try (Database db = Database.open(where, data)) {
      assertThat(db.kind()).isEqualTo(kind);
      new InterviewStore(db.jdbi(), SECRETS).insert(interview("dbt-1"));
    }
    // when it is opened again (the migrations run again and find nothing to do)
    try (Database db = Database.open(where, data)) {
      // then the interview is there
      assertThat(new InterviewStore(db.jdbi(), SECRETS).find("dbt-1"))
          .hasValueSatisfying(i -> assertThat(i.password()).isEqualTo("pw-dbt-1"));
    }
  }

  @Test
  void replicasStartingTogetherOnOneDatabaseAllComeUpAndSeeEachOthersWrites() throws Exception {
    assumeTrue(kind == Database.Kind.POSTGRES, "one H2 file belongs to one Prequel");
    // given an empty PostgreSQL database
    DatabaseSettings where = TestDatabases.fresh(kind);
    // when three replicas start at once (each migrates the schema)
    ExecutorService starts = Executors.newFixedThreadPool(3);
    List<Database> replicas = new ArrayList<>();
    try {
      List<Future<Database>> opened = new ArrayList<>();
      for (int n = 0; n < 3; n++) {
        opened.add(starts.submit(() -> Database.open(where, data)));
      }
      for (Future<Database> f : opened) {
        replicas.add(f.get());
      }
      // then all are up, and what one writes the others read
      new InterviewStore(replicas.get(0).jdbi(), SECRETS).insert(interview("dbt-2"));
      for (Database replica : replicas) {
        assertThat(new InterviewStore(replica.jdbi(), SECRETS).find("dbt-2")).isPresent();
      }
    } finally {
      starts.shutdownNow();
      replicas.forEach(Database::close);
    }
  }

  @Test
  void aWrongPasswordIsRefusedWithAMessageThatDoesNotShowAnyPassword() {
    assumeTrue(kind == Database.Kind.POSTGRES, "the embedded database has no password");
    // given a database and a wrong password for its user
    DatabaseSettings right = TestDatabases.fresh(kind);
    DatabaseSettings wrong = PostgresServer.shared().withWrongPassword(right);
    // when Prequel starts with it, then it stops with a message naming the user, not the password
    assertThatThrownBy(() -> Database.open(wrong, data))
        .hasMessageContaining("password authentication failed")
        .hasMessageContaining(PostgresServer.USER)
        .satisfies(
            e ->
                assertThat(e.getMessage())
                    .doesNotContain(wrong.password())
                    .doesNotContain(right.password()));
  }
}
