package dev.prequel.auth;

import dev.prequel.auth.AccountStore.AuditEntry;
import dev.prequel.auth.AccountStore.Credentials;
import dev.prequel.auth.AccountStore.TokenRow;
import dev.prequel.error.ProblemException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Interviewer accounts: users and roles, sign-in (browser sessions, HTTP Basic, API tokens), the
 * first admin, and the audit log. Passwords are kept as bcrypt hashes (Bouncy Castle), session and
 * API tokens as SHA-256 digests: the database holds nothing that signs anyone in.
 */
public final class Accounts {

  /** A browser session just opened: the cookie's value, shown to nobody else. */
  public record NewSession(String token, User user, Instant expiresAt) {}

  /** An API token just created: its value is shown once, then only its digest exists. */
  public record NewToken(TokenRow row, String value) {}

  /** How long a browser session lasts without use. */
  public static final Duration SESSION_IDLE = Duration.ofHours(12);

  /** Prefix of API token values, so they can be recognised (e.g. by secret scanners). */
  public static final String TOKEN_PREFIX = "prq_";

  private static final int MIN_PASSWORD = 12;
  private static final int MAX_PASSWORD_BYTES = 72; // what bcrypt reads
  private static final Duration BASIC_CACHE = Duration.ofMinutes(5);

  /** Basic credentials remembered at most: each distinct e-mail:password that signed in lately. */
  static final int BASIC_CACHE_SIZE = 1000;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final AccountStore store;
  private final LoginThrottle throttle;
  private final Clock clock;
  private final int bcryptCost;
  private final String dummyHash;

  /**
   * Basic credentials verified lately, by digest: bcrypt on every API call would be too slow. Each
   * entry holds the password hash it was verified against: a password changed through any replica
   * changes the hash in the database, and the entry no longer counts anywhere.
   */
  private final Map<String, CachedBasic> basicCache = new ConcurrentHashMap<>();

  private record CachedBasic(String userId, String passwordHash, Instant until) {}

  public Accounts(AccountStore store, LoginThrottle throttle, Clock clock, int bcryptCost) {
    this.store = store;
    this.throttle = throttle;
    this.clock = clock;
    this.bcryptCost = bcryptCost;
    this.dummyHash = hash("not a password of anyone".toCharArray());
  }

  // ---- the first admin

  /**
   * Makes sure someone can sign in: when no user exists, creates the admin given, or (with none
   * given) returns a one-time setup token for the setup page.
   */
  public Optional<String> bootstrap(String adminEmail, String adminPassword) {
    if (store.userCount() > 0) {
      return Optional.empty();
    }
    if (adminEmail != null && !adminEmail.isBlank()) {
      if (adminPassword == null || adminPassword.isEmpty()) {
        throw new IllegalArgumentException(
            "PREQUEL_ADMIN_EMAIL is set but PREQUEL_ADMIN_PASSWORD is not");
      }
      try {
        createUser(adminEmail, "Administrator", Role.ADMIN, adminPassword);
      } catch (ProblemException e) {
        // Replicas starting together on one database: another one created the admin first.
        if (store.userCount() == 0) {
          throw e;
        }
      }
      return Optional.empty();
    }
    // In the database: the link one replica prints works through any replica.
    String token = Tokens.random();
    store.insertSetupToken(Tokens.sha256(token), clock.instant());
    return Optional.of(token);
  }

  public boolean setupPending() {
    return store.userCount() == 0 && store.anySetupToken();
  }

  /** Creates the first admin with the one-time setup token; the token is spent. */
  public User completeSetup(String token, String email, String name, String password) {
    // Looked up by its digest (the index compares digests, which tell a guesser nothing).
    if (token == null || !store.setupTokenExists(Tokens.sha256(token)) || store.userCount() > 0) {
      throw ProblemException.forbidden(
          "this setup link is not valid (already used, or not one printed on Prequel's console)");
    }
    User admin = createUser(email, name, Role.ADMIN, password);
    store.deleteSetupTokens();
    return admin;
  }

  // ---- users

  public User createUser(String email, String name, Role role, String password) {
    String address = normalEmail(email);
    String displayName = name == null || name.isBlank() ? address : name.strip();
    if (displayName.length() > 200) {
      throw ProblemException.badInput("name", "the name is longer than 200 characters");
    }
    checkPassword("password", password);
    User user = new User(Tokens.id(), address, displayName, role, clock.instant(), null);
    if (!store.insertUser(user, hash(password.toCharArray()))) {
      throw ProblemException.conflict("a user with e-mail " + address + " already exists");
    }
    return user;
  }

  public List<User> users() {
    return store.users();
  }

  private User user(String id) {
    return store.user(id).orElseThrow(() -> ProblemException.notFound("no user " + id));
  }

  /** Changes a user's role or disables them; never leaves Prequel without an active admin. */
  public User updateUser(String id, Role role, Boolean disabled) {
    User before = user(id);
    Role newRole = role == null ? before.role() : role;
    Instant disabledAt = disabled == null ? before.disabledAt() : disabled ? clock.instant() : null;
    boolean losesAdmin =
        before.admin() && !before.disabled() && (newRole != Role.ADMIN || disabledAt != null);
    if (losesAdmin && store.activeAdminCount() <= 1) {
      throw ProblemException.conflict(
          "this is the last active admin; make another user admin first");
    }
    store.updateUser(id, newRole, disabledAt);
    if (disabledAt != null) {
      store.deleteSessionsOf(id);
    }
    basicCache.clear();
    return user(id);
  }

  public void changePassword(User user, String current, String replacement) {
    Credentials c =
        store.credentials(user.email()).orElseThrow(() -> ProblemException.notFound("no user"));
    if (current == null || !OpenBSDBCrypt.checkPassword(c.passwordHash(), current.toCharArray())) {
      throw ProblemException.badInput("current", "the current password is wrong");
    }
    checkPassword("password", replacement);
    store.setPasswordHash(user.id(), hash(replacement.toCharArray()));
    store.deleteSessionsOf(user.id());
    basicCache.clear();
  }

  // ---- signing in

  /** Checks an e-mail and password typed on the sign-in page; opens a session. */
  public NewSession login(String email, String password, String address) {
    User user = verify(email, password, address).user();
    String token = Tokens.random();
    Instant expires = clock.instant().plus(SESSION_IDLE);
    store.insertSession(Tokens.sha256(token), user.id(), Tokens.random(), clock.instant(), expires);
    return new NewSession(token, user, expires);
  }

  public Optional<Principal> fromSession(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    String digest = Tokens.sha256(token);
    return store
        .session(digest)
        .filter(s -> s.expiresAt().isAfter(clock.instant()))
        .flatMap(
            s -> {
              // Slide the expiry at most once a minute, not on every request.
              Instant renewed = clock.instant().plus(SESSION_IDLE);
              if (s.expiresAt().isBefore(renewed.minusSeconds(60))) {
                store.extendSession(digest, renewed);
              }
              return activeUser(s.userId())
                  .map(u -> new Principal(u, Principal.Via.SESSION, s.csrfToken()));
            });
  }

  public void logout(String token) {
    if (token != null && !token.isEmpty()) {
      store.deleteSession(Tokens.sha256(token));
    }
  }

  /** HTTP Basic: the user's e-mail and password, on every request. */
  public Principal fromBasic(String email, String password, String address) {
    String key = Tokens.sha256(email + "\0" + password);
    CachedBasic cached = basicCache.get(key);
    if (cached != null && cached.until().isAfter(clock.instant())) {
      Optional<User> user =
          store
              .credentials(account(email))
              .filter(c -> c.user().id().equals(cached.userId()))
              .filter(c -> c.passwordHash().equals(cached.passwordHash()))
              .map(Credentials::user)
              .filter(u -> !u.disabled());
      if (user.isPresent()) {
        return new Principal(user.get(), Principal.Via.BASIC, null);
      }
    }
    if (cached != null) {
      basicCache.remove(key, cached);
    }
    Credentials verified = verify(email, password, address);
    if (basicCache.size() >= BASIC_CACHE_SIZE) {
      evictBasic();
    }
    basicCache.put(
        key,
        new CachedBasic(
            verified.user().id(), verified.passwordHash(), clock.instant().plus(BASIC_CACHE)));
    return new Principal(verified.user(), Principal.Via.BASIC, null);
  }

  /** Drops expired entries; when all are fresh, any (they only cost one more bcrypt). */
  private void evictBasic() {
    Instant now = clock.instant();
    basicCache.values().removeIf(c -> !c.until().isAfter(now));
    var any = basicCache.keySet().iterator();
    while (basicCache.size() >= BASIC_CACHE_SIZE && any.hasNext()) {
      any.next();
      any.remove();
    }
  }

  /** How many Basic credentials are remembered (tests). */
  int basicCacheSize() {
    return basicCache.size();
  }

  public Optional<Principal> fromBearer(String token) {
    if (token == null || !token.startsWith(TOKEN_PREFIX)) {
      return Optional.empty();
    }
    return store
        .tokenByHash(Tokens.sha256(token))
        .filter(t -> !t.revoked())
        .flatMap(
            t -> {
              Instant last = t.lastUsedAt();
              if (last == null || last.isBefore(clock.instant().minusSeconds(60))) {
                store.touchToken(t.id(), clock.instant());
              }
              return activeUser(t.userId()).map(u -> new Principal(u, Principal.Via.TOKEN, null));
            });
  }

  private static String account(String email) {
    return email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
  }

  private Credentials verify(String email, String password, String address) {
    String account = account(email);
    throttle.check(account, address);
    Optional<Credentials> found = store.credentials(account);
    // Check some hash even for an unknown address, so timing does not tell which addresses exist.
    String hash = found.map(Credentials::passwordHash).orElse(dummyHash);
    boolean ok =
        password != null
            && password.getBytes(StandardCharsets.UTF_8).length <= MAX_PASSWORD_BYTES
            && OpenBSDBCrypt.checkPassword(hash, password.toCharArray())
            && found.isPresent();
    if (!ok || found.get().user().disabled()) {
      throttle.failed(account, address);
      throw ProblemException.unauthorized("wrong e-mail or password");
    }
    throttle.succeeded(account, address);
    return found.get();
  }

  private Optional<User> activeUser(String id) {
    return store.user(id).filter(u -> !u.disabled());
  }

  // ---- API tokens

  public NewToken createToken(User owner, String name) {
    String label = name == null ? "" : name.strip();
    if (label.isEmpty() || label.length() > 100) {
      throw ProblemException.badInput("name", "give the token a name of 1 to 100 characters");
    }
    String value = TOKEN_PREFIX + Tokens.random();
    TokenRow row = new TokenRow(Tokens.id(), owner.id(), label, clock.instant(), null, null);
    store.insertToken(row, Tokens.sha256(value));
    return new NewToken(row, value);
  }

  public List<TokenRow> tokens(User owner) {
    return store.tokensOf(owner.id());
  }

  /** Revokes one of the user's own tokens (admins: anyone's). */
  public TokenRow revokeToken(User actor, String id) {
    TokenRow row =
        store
            .token(id)
            .filter(t -> actor.admin() || t.userId().equals(actor.id()))
            .orElseThrow(() -> ProblemException.notFound("no token " + id));
    if (!store.revokeToken(id, clock.instant())) {
      throw ProblemException.conflict("token " + id + " is already revoked");
    }
    return store.token(id).orElse(row);
  }

  // ---- audit log

  /** Records that {@code actor} did {@code action} to {@code target}. */
  public void audit(User actor, String action, String target, String detail) {
    store.audit(
        clock.instant(),
        actor == null ? null : actor.id(),
        actor == null ? "(setup)" : actor.email(),
        action,
        target,
        detail);
  }

  public List<AuditEntry> auditLog(int limit) {
    return store.auditLog(Math.max(1, Math.min(limit, 1000)));
  }

  public void deleteExpiredSessions() {
    store.deleteExpiredSessions(clock.instant());
  }

  // ----

  private String hash(char[] password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    return OpenBSDBCrypt.generate("2b", password, salt, bcryptCost);
  }

  private static void checkPassword(String field, String password) {
    if (password == null || password.length() < MIN_PASSWORD) {
      throw ProblemException.badInput(
          field, "the password must have at least " + MIN_PASSWORD + " characters");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
      throw ProblemException.badInput(
          field, "the password must be at most " + MAX_PASSWORD_BYTES + " bytes long");
    }
  }

  static String normalEmail(String email) {
    String e = email == null ? "" : email.strip().toLowerCase(Locale.ROOT);
    int at = e.indexOf('@');
    if (e.length() > 320
        || at < 1
        || at != e.lastIndexOf('@')
        || at == e.length() - 1
        || e.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw ProblemException.badInput("email", "'" + shorten(e) + "' is not an e-mail address");
    }
    return e;
  }

  private static String shorten(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }
}
