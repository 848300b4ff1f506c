package dev.prequel.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.auth.AccountStore.AuditEntry;
import dev.prequel.auth.AccountStore.TokenRow;
import dev.prequel.store.Database;
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
 * Users, sessions, API tokens and the audit log, on the embedded H2 and on PostgreSQL: a session
 * opened through one replica is known to every replica because it lives in the database.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class AccountStoreTest {

  static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  AccountStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    store = new AccountStore(db.jdbi());
  }

  @AfterEach
  void close() {
    db.close();
  }

  User user(String id, String email, Role role) {
    User u = new User(id, email, "Name " + id, role, T0, null);
    assertThat(store.insertUser(u, "$2b$hash-" + id)).isTrue();
    return u;
  }

  @Test
  void aSecondUserWithTheSameEmailIsRefused() {
    user("u1", "ada@example.com", Role.ADMIN);
    assertThat(
            store.insertUser(
                new User("u2", "ada@example.com", "Other", Role.INTERVIEWER, T0, null), "$2b$x"))
        .isFalse();
    assertThat(store.userCount()).isEqualTo(1);
    assertThat(store.credentials("ada@example.com"))
        .hasValueSatisfying(c -> assertThat(c.passwordHash()).isEqualTo("$2b$hash-u1"));
  }

  @Test
  void disablingTheOnlyAdminLeavesNoActiveAdmin() {
    user("u1", "ada@example.com", Role.ADMIN);
    user("u2", "bob@example.com", Role.INTERVIEWER);
    assertThat(store.activeAdminCount()).isEqualTo(1);
    store.updateUser("u1", Role.ADMIN, T0.plusSeconds(5));
    assertThat(store.activeAdminCount()).isZero();
    assertThat(store.user("u1").orElseThrow().disabledAt()).isEqualTo(T0.plusSeconds(5));
    store.updateUser("u1", Role.ADMIN, null);
    assertThat(store.user("u1").orElseThrow().disabled()).isFalse();
    assertThat(store.users())
        .extracting(User::email)
        .containsExactly("ada@example.com", "bob@example.com");
  }

  @Test
  void sessionsAreFoundExtendedEndedAndExpired() {
    // given two users with sessions
    user("u1", "ada@example.com", Role.ADMIN);
    user("u2", "bob@example.com", Role.INTERVIEWER);
    store.insertSession("h1", "u1", "csrf1", T0, T0.plusSeconds(60));
    store.insertSession("h2", "u1", "csrf2", T0, T0.plusSeconds(3600));
    store.insertSession("h3", "u2", "csrf3", T0, T0.plusSeconds(3600));
    // then each is found by its digest, and its expiry slides
    assertThat(store.session("h1"))
        .hasValue(new AccountStore.SessionRow("u1", "csrf1", T0.plusSeconds(60)));
    store.extendSession("h1", T0.plusSeconds(120));
    assertThat(store.session("h1").orElseThrow().expiresAt()).isEqualTo(T0.plusSeconds(120));
    // when time passes, the expired ones are removed
    assertThat(store.deleteExpiredSessions(T0.plusSeconds(600))).isEqualTo(1);
    assertThat(store.session("h1")).isEmpty();
    // when a user is signed out everywhere, only their sessions go
    store.deleteSessionsOf("u1");
    assertThat(store.session("h2")).isEmpty();
    assertThat(store.session("h3")).isPresent();
    store.deleteSession("h3");
    assertThat(store.session("h3")).isEmpty();
  }

  @Test
  void aTokenIsRevokedOnceAndListedWithoutItsValue() {
    user("u1", "ada@example.com", Role.ADMIN);
    store.insertToken(new TokenRow("t1", "u1", "ci", T0, null, null), "digest-1");
    store.insertToken(
        new TokenRow("t2", "u1", "laptop", T0.plusSeconds(1), null, null), "digest-2");
    assertThat(store.tokenByHash("digest-1"))
        .hasValueSatisfying(t -> assertThat(t.id()).isEqualTo("t1"));
    store.touchToken("t1", T0.plusSeconds(30));
    assertThat(store.token("t1").orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(30));
    assertThat(store.revokeToken("t1", T0.plusSeconds(60))).isTrue();
    assertThat(store.revokeToken("t1", T0.plusSeconds(61))).isFalse();
    assertThat(store.revokeToken("nope", T0)).isFalse();
    assertThat(store.tokensOf("u1"))
        .extracting(TokenRow::name, TokenRow::revoked)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("ci", true),
            org.assertj.core.groups.Tuple.tuple("laptop", false));
  }

  @Test
  void theAuditLogShowsTheNewestFirstUpToTheLimit() {
    user("u1", "ada@example.com", Role.ADMIN);
    store.audit(T0, null, "(setup)", "user.create", "ada@example.com", null);
    store.audit(T0.plusSeconds(1), "u1", "ada@example.com", "interview.create", "abc", "hello");
    store.audit(T0.plusSeconds(2), "u1", "ada@example.com", "interview.destroy", "abc", null);
    assertThat(store.auditLog(2))
        .extracting(AuditEntry::action)
        .containsExactly("interview.destroy", "interview.create");
    AuditEntry first = store.auditLog(10).get(2);
    assertThat(first.actorEmail()).isEqualTo("(setup)");
    assertThat(first.detail()).isNull();
    assertThat(first.at()).isEqualTo(T0);
  }
}
