package dev.prequel.auth;

import static dev.prequel.store.Times.instant;
import static dev.prequel.store.Times.odt;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Users, sessions, API tokens and the audit log in the database. Tokens arrive here already hashed:
 * this class never sees a secret it could leak.
 */
public final class AccountStore {

  /** A user with the hash of their password, for sign-in. */
  public record Credentials(User user, String passwordHash) {}

  /** A signed-in browser. */
  public record SessionRow(String userId, String csrfToken, Instant expiresAt) {}

  /** An API token as listed (never its value). */
  public record TokenRow(
      String id,
      String userId,
      String name,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt) {
    public boolean revoked() {
      return revokedAt != null;
    }
  }

  /** One audited action. */
  public record AuditEntry(
      long seq, Instant at, String actorEmail, String action, String target, String detail) {}

  private final Jdbi jdbi;

  public AccountStore(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  public long userCount() {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT COUNT(*) FROM users").mapTo(Long.class).one());
  }

  public long activeAdminCount() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COUNT(*) FROM users WHERE role = 'ADMIN' AND disabled_at IS NULL")
                .mapTo(Long.class)
                .one());
  }

  /** Returns false when the e-mail address is taken. */
  public boolean insertUser(User u, String passwordHash) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        """
                INSERT INTO users (id, email, name, role, password_hash, created_at)
                SELECT :id, :email, :name, :role, :hash, :createdAt
                WHERE NOT EXISTS (SELECT 1 FROM users WHERE email = :email)""")
                    .bind("id", u.id())
                    .bind("email", u.email())
                    .bind("name", u.name())
                    .bind("role", u.role().name())
                    .bind("hash", passwordHash)
                    .bind("createdAt", odt(u.createdAt()))
                    .execute())
        == 1;
  }

  public Optional<Credentials> credentials(String email) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users WHERE email = :email")
                .bind("email", email)
                .map((rs, ctx) -> new Credentials(user(rs), rs.getString("password_hash")))
                .findOne());
  }

  public Optional<User> user(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> user(rs))
                .findOne());
  }

  public List<User> users() {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM users ORDER BY created_at, email")
                .map((rs, ctx) -> user(rs))
                .list());
  }

  public void updateUser(String id, Role role, Instant disabledAt) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE users SET role = :role, disabled_at = :disabled WHERE id = :id")
                .bind("role", role.name())
                .bindByType("disabled", odt(disabledAt), OffsetDateTime.class)
                .bind("id", id)
                .execute());
  }

  public void setPasswordHash(String id, String hash) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE users SET password_hash = :hash WHERE id = :id")
                .bind("hash", hash)
                .bind("id", id)
                .execute());
  }

  /** Remembers the digest of a one-time setup link. */
  public void insertSetupToken(String tokenHash, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate("INSERT INTO setup_tokens (token_hash, created_at) VALUES (:hash, :at)")
                .bind("hash", tokenHash)
                .bind("at", odt(at))
                .execute());
  }

  /** Whether this digest is of a setup link not spent yet. */
  public boolean setupTokenExists(String tokenHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT COUNT(*) FROM setup_tokens WHERE token_hash = :hash")
                    .bind("hash", tokenHash)
                    .mapTo(Long.class)
                    .one()
                > 0);
  }

  public boolean anySetupToken() {
    return jdbi.withHandle(
        h -> h.createQuery("SELECT COUNT(*) FROM setup_tokens").mapTo(Long.class).one() > 0);
  }

  /** Spends every setup link (the first admin exists). */
  public void deleteSetupTokens() {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM setup_tokens").execute());
  }

  public void insertSession(
      String tokenHash, String userId, String csrf, Instant now, Instant exp) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
            INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at)
            VALUES (:hash, :user, :csrf, :now, :exp)""")
                .bind("hash", tokenHash)
                .bind("user", userId)
                .bind("csrf", csrf)
                .bind("now", odt(now))
                .bind("exp", odt(exp))
                .execute());
  }

  public Optional<SessionRow> session(String tokenHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM sessions WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map(
                    (rs, ctx) ->
                        new SessionRow(
                            rs.getString("user_id"),
                            rs.getString("csrf_token"),
                            instant(rs, "expires_at")))
                .findOne());
  }

  public void extendSession(String tokenHash, Instant exp) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE sessions SET expires_at = :exp WHERE token_hash = :hash")
                .bind("exp", odt(exp))
                .bind("hash", tokenHash)
                .execute());
  }

  public void deleteSession(String tokenHash) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM sessions WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .execute());
  }

  /** Signs a user out everywhere (disabled, or password changed). */
  public void deleteSessionsOf(String userId) {
    jdbi.useHandle(
        h ->
            h.createUpdate("DELETE FROM sessions WHERE user_id = :user")
                .bind("user", userId)
                .execute());
  }

  public int deleteExpiredSessions(Instant now) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("DELETE FROM sessions WHERE expires_at < :now")
                .bind("now", odt(now))
                .execute());
  }

  public void insertToken(TokenRow t, String tokenHash) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
            INSERT INTO api_tokens (id, user_id, name, token_hash, created_at)
            VALUES (:id, :user, :name, :hash, :createdAt)""")
                .bind("id", t.id())
                .bind("user", t.userId())
                .bind("name", t.name())
                .bind("hash", tokenHash)
                .bind("createdAt", odt(t.createdAt()))
                .execute());
  }

  public Optional<TokenRow> tokenByHash(String tokenHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM api_tokens WHERE token_hash = :hash")
                .bind("hash", tokenHash)
                .map((rs, ctx) -> token(rs))
                .findOne());
  }

  public Optional<TokenRow> token(String id) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM api_tokens WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> token(rs))
                .findOne());
  }

  public List<TokenRow> tokensOf(String userId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM api_tokens WHERE user_id = :user ORDER BY created_at")
                .bind("user", userId)
                .map((rs, ctx) -> token(rs))
                .list());
  }

  public void touchToken(String id, Instant now) {
    jdbi.useHandle(
        h ->
            h.createUpdate("UPDATE api_tokens SET last_used_at = :now WHERE id = :id")
                .bind("now", odt(now))
                .bind("id", id)
                .execute());
  }

  /** Returns false when the token was already revoked (or does not exist). */
  public boolean revokeToken(String id, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "UPDATE api_tokens SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                    .bind("now", odt(now))
                    .bind("id", id)
                    .execute())
        == 1;
  }

  public void audit(
      Instant at, String actorId, String actorEmail, String action, String target, String detail) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    """
            INSERT INTO audit_log (at, actor_id, actor_email, action, target, detail)
            VALUES (:at, :actorId, :actorEmail, :action, :target, :detail)""")
                .bind("at", odt(at))
                .bindByType("actorId", actorId, String.class)
                .bind("actorEmail", actorEmail)
                .bind("action", action)
                .bind("target", target)
                .bindByType("detail", detail, String.class)
                .execute());
  }

  /** The newest entries first. */
  public List<AuditEntry> auditLog(int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery("SELECT * FROM audit_log ORDER BY seq DESC LIMIT :limit")
                .bind("limit", limit)
                .map(
                    (rs, ctx) ->
                        new AuditEntry(
                            rs.getLong("seq"),
                            instant(rs, "at"),
                            rs.getString("actor_email"),
                            rs.getString("action"),
                            rs.getString("target"),
                            rs.getString("detail")))
                .list());
  }

  private static User user(ResultSet rs) throws SQLException {
    return new User(
        rs.getString("id"),
        rs.getString("email"),
        rs.getString("name"),
        Role.valueOf(rs.getString("role")),
        instant(rs, "created_at"),
        instant(rs, "disabled_at"));
  }

  private static TokenRow token(ResultSet rs) throws SQLException {
    return new TokenRow(
        rs.getString("id"),
        rs.getString("user_id"),
        rs.getString("name"),
        instant(rs, "created_at"),
        instant(rs, "last_used_at"),
        instant(rs, "revoked_at"));
  }
}
