package dev.prequel.interview;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.store.Database;
import dev.prequel.store.SecretBox;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interviews' secrets (V11_1), on the embedded H2 and on PostgreSQL: sealed at rest with a key of
 * their own, changed only in the statuses asked, and gone when the interview ends.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class InterviewSecretsStoreTest {

  private static final String VALUE = "sk-sc-store-0123456789abcdef";

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  SecretBox box;
  InterviewStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    box = dev.prequel.testing.Secrets.randomBox();
    store = new InterviewStore(db.jdbi(), box);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private List<String> storedValues() {
    return db.jdbi()
        .withHandle(
            h ->
                h.createQuery("SELECT sealed_value FROM interview_secrets")
                    .mapTo(String.class)
                    .list());
  }

  @Test
  void secretsAreSealedWithAKeyOfTheirOwnAndReadBackWhole() {
    String unicode = "clé ✓ \"quoted\" 'single'\nline two";
    store.insert(
        InterviewStoreTest.interview("iss-a", Status.SCHEDULED, InterviewStoreTest.T0),
        WorkspaceSecrets.of(Map.of("SC_KEY", VALUE, "SC_TEXT", unicode)));

    assertThat(store.secrets().of("iss-a").values())
        .containsExactlyInAnyOrderEntriesOf(Map.of("SC_KEY", VALUE, "SC_TEXT", unicode));
    assertThat(store.secrets().names("iss-a")).containsExactly("SC_KEY", "SC_TEXT");
    assertThat(storedValues()).hasSize(2).noneMatch(v -> v.contains(VALUE));
    // the passwords' key does not open them: theirs is derived for this purpose alone
    assertThat(storedValues())
        .allSatisfy(
            v ->
                org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> box.open(v, "interview/iss-a/secret/SC_KEY"))
                    .isInstanceOf(IllegalStateException.class));
  }

  @Test
  void aSealedSecretCopiedIntoAnotherInterviewsRowDoesNotOpenThere() {
    // given two interviews with a secret of the same name
    store.insert(
        InterviewStoreTest.interview("iss-mine", Status.SCHEDULED, InterviewStoreTest.T0),
        WorkspaceSecrets.of(Map.of("SC_KEY", VALUE)));
    store.insert(
        InterviewStoreTest.interview("iss-theirs", Status.SCHEDULED, InterviewStoreTest.T0),
        WorkspaceSecrets.of(Map.of("SC_KEY", "sk-sc-theirs")));
    // when someone who can write the database (but has not the key) copies one's sealed value
    // into the other's row
    db.jdbi()
        .useHandle(
            h ->
                h.execute(
                    "UPDATE interview_secrets SET sealed_value = (SELECT sealed_value FROM"
                        + " interview_secrets WHERE interview_id = 'iss-mine')"
                        + " WHERE interview_id = 'iss-theirs'"));
    // then the other's workspace does not get it: the value is bound to where it was sealed
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.secrets().of("iss-theirs"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("sealed for another row");
    assertThat(store.secrets().of("iss-mine").values()).containsEntry("SC_KEY", VALUE);
  }

  @Test
  void secretsAreReplacedOnlyInTheStatusesAskedAndAnEmptySetRemovesThem() {
    store.insert(InterviewStoreTest.interview("iss-b", Status.SCHEDULED, InterviewStoreTest.T0));
    store.insert(InterviewStoreTest.interview("iss-c", Status.ACTIVE, InterviewStoreTest.T0));
    var editable = EnumSet.of(Status.SCHEDULED, Status.INVITED);

    assertThat(
            store.secrets().replace("iss-b", WorkspaceSecrets.of(Map.of("SC_A", VALUE)), editable))
        .isTrue();
    assertThat(
            store.secrets().replace("iss-b", WorkspaceSecrets.of(Map.of("SC_B", "b-1")), editable))
        .isTrue();
    assertThat(
            store.secrets().replace("iss-c", WorkspaceSecrets.of(Map.of("SC_A", VALUE)), editable))
        .isFalse();
    assertThat(
            store.secrets().replace("iss-none", WorkspaceSecrets.of(Map.of("SC_A", "x")), editable))
        .isFalse();

    assertThat(store.secrets().names("iss-b")).containsExactly("SC_B");
    assertThat(store.secrets().of("iss-c").isEmpty()).isTrue();
    store.secrets().replace("iss-b", WorkspaceSecrets.none(), editable);
    assertThat(store.secrets().names("iss-b")).isEmpty();
  }

  @Test
  void secretsGoWhenTheInterviewReachesAFinalStatusAndNotBefore() {
    WorkspaceSecrets given = WorkspaceSecrets.of(Map.of("SC_KEY", VALUE));
    store.insert(
        InterviewStoreTest.interview("iss-d", Status.ACTIVE, InterviewStoreTest.T0), given);
    store.insert(
        InterviewStoreTest.interview("iss-e", Status.SCHEDULED, InterviewStoreTest.T0), given);
    store.insert(
        InterviewStoreTest.interview("iss-f", Status.ACTIVE, InterviewStoreTest.T0), given);

    // a move that loses its race changes nothing
    assertThat(
            store.compareAndSetStatus(
                "iss-d", Status.SCHEDULED, Status.CANCELLED, null, InterviewStoreTest.T0))
        .isFalse();
    assertThat(store.secrets().names("iss-d")).containsExactly("SC_KEY");
    store.compareAndSetStatus(
        "iss-d", Status.ACTIVE, Status.DESTROYING, null, InterviewStoreTest.T0);
    assertThat(store.secrets().names("iss-d")).as("still destroying").containsExactly("SC_KEY");

    store.compareAndSetStatus(
        "iss-d", Status.DESTROYING, Status.DESTROYED, null, InterviewStoreTest.T0);
    store.compareAndSetStatus(
        "iss-e", Status.SCHEDULED, Status.CANCELLED, null, InterviewStoreTest.T0);
    store.delete("iss-f");

    assertThat(store.secrets().names("iss-d")).isEmpty();
    assertThat(store.secrets().names("iss-e")).isEmpty();
    assertThat(storedValues()).isEmpty();
  }
}
