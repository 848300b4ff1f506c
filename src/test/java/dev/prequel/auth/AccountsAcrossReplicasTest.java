package dev.prequel.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.store.Database;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.testing.MutableClock;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two replicas' accounts on one database (on H2: two {@code Accounts} over one file; on PostgreSQL:
 * each with its own connection pool): what an interviewer does through one holds on the other, as
 * behind a load balancer.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class AccountsAcrossReplicasTest {

  static final String PASSWORD = "correct horse battery";

  @Parameter Database.Kind kind;
  @TempDir Path data;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T09:00:00Z"));
  Database first;
  Database second;
  Accounts a;
  Accounts b;

  @BeforeEach
  void open() {
    DatabaseSettings where = TestDatabases.fresh(kind);
    first = Database.open(where, data);
    second = kind == Database.Kind.POSTGRES ? Database.open(where, data) : first;
    a = accounts(first);
    b = accounts(second);
  }

  void ada() {
    a.createUser("ada@example.com", "Ada", Role.ADMIN, PASSWORD);
  }

  Accounts accounts(Database db) {
    return new Accounts(
        new AccountStore(db.jdbi()),
        new LoginThrottle(LoginThrottle.Limits.DEFAULT, new LoginFailures(db.jdbi()), clock),
        clock,
        4); // the lowest bcrypt cost: the tests are about where things are kept
  }

  @AfterEach
  void close() {
    if (second != first) {
      second.close();
    }
    first.close();
  }

  @Test
  void aSessionOpenedThroughOneReplicaIsValidOnTheOtherUntilSignedOutThere() {
    // given ada signed in through replica a
    ada();
    Accounts.NewSession session = a.login("ada@example.com", PASSWORD, "10.0.0.1");
    // then replica b knows her session
    assertThat(b.fromSession(session.token()))
        .hasValueSatisfying(p -> assertThat(p.user().email()).isEqualTo("ada@example.com"));
    // when she signs out through b, then a no longer knows it either
    b.logout(session.token());
    assertThat(a.fromSession(session.token())).isEmpty();
  }

  @Test
  void aPasswordChangedThroughOneReplicaEndsTheOldPasswordOnTheOtherAtOnce() {
    // given replica b remembers ada's Basic credentials from a recent API call
    ada();
    assertThat(b.fromBasic("ada@example.com", PASSWORD, "10.0.0.1").user().email())
        .isEqualTo("ada@example.com");
    // when she changes her password through replica a
    User ada = a.users().get(0);
    a.changePassword(ada, PASSWORD, "a new and longer password");
    // then b refuses the old one at once, and takes the new one
    assertThatThrownBy(() -> b.fromBasic("ada@example.com", PASSWORD, "10.0.0.1"))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("wrong e-mail or password");
    assertThat(b.fromBasic("ada@example.com", "a new and longer password", "10.0.0.1").user().id())
        .isEqualTo(ada.id());
  }

  @Test
  void aUserDisabledThroughOneReplicaIsSignedOutOnTheOther() {
    // given bob signed in through b, with Basic credentials remembered there
    ada();
    User bob = a.createUser("bob@example.com", "Bob", Role.INTERVIEWER, PASSWORD);
    Accounts.NewSession session = b.login("bob@example.com", PASSWORD, "10.0.0.2");
    b.fromBasic("bob@example.com", PASSWORD, "10.0.0.2");
    // when an admin disables him through a
    a.updateUser(bob.id(), null, true);
    // then b knows neither his session nor his password
    assertThat(b.fromSession(session.token())).isEmpty();
    assertThatThrownBy(() -> b.fromBasic("bob@example.com", PASSWORD, "10.0.0.2"))
        .isInstanceOf(ProblemException.class);
  }

  @Test
  void whatIsAuditedThroughOneReplicaIsInTheLogOfTheOther() {
    ada();
    User ada = a.users().get(0);
    a.audit(ada, "interview.create", "abc234", "hello");
    assertThat(b.auditLog(10))
        .singleElement()
        .satisfies(e -> assertThat(e.actorEmail()).isEqualTo("ada@example.com"));
  }

  @Test
  void theSetupLinkOneReplicaPrintedCreatesTheFirstAdminThroughTheOtherOnce() {
    // given two replicas started with no user and no admin in the environment: each prints a link
    String linkOfA = a.bootstrap(null, null).orElseThrow();
    String linkOfB = b.bootstrap(null, null).orElseThrow();
    assertThat(b.setupPending()).isTrue();
    // when the link a printed is opened through b (the load balancer's choice)
    User admin = b.completeSetup(linkOfA, "owner@example.com", "Owner", PASSWORD);
    // then the admin exists on both, and no link works any more, neither a's nor b's
    assertThat(a.users()).extracting(User::id).containsExactly(admin.id());
    assertThat(a.setupPending()).isFalse();
    assertThatThrownBy(() -> a.completeSetup(linkOfB, "mallory@example.com", "M", PASSWORD))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("not valid");
    // and a replica starting later with the admin in its environment leaves the owner alone
    assertThat(a.bootstrap("owner@example.com", PASSWORD)).isEmpty();
    assertThat(b.users()).hasSize(1);
  }

  @Test
  void aMadeUpSetupLinkIsRefused() {
    assertThat(a.bootstrap(null, null)).isPresent();
    assertThatThrownBy(() -> b.completeSetup("made-up", "m@example.com", "M", PASSWORD))
        .isInstanceOf(ProblemException.class);
    assertThatThrownBy(() -> b.completeSetup(null, "m@example.com", "M", PASSWORD))
        .isInstanceOf(ProblemException.class);
    assertThat(b.users()).isEmpty();
  }
}
