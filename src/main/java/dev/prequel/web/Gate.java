package dev.prequel.web;

import dev.prequel.auth.Accounts;
import dev.prequel.auth.Principal;
import dev.prequel.auth.Tokens;
import dev.prequel.error.ProblemException;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.HttpStatus;
import io.javalin.http.SameSite;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Who may pass: runs before every portal and API handler. Requests carry a browser session cookie,
 * HTTP Basic credentials or a Bearer token; anything else is sent to the sign-in page (pages) or
 * refused with 401 (API). Admin-only areas and destructive archive operations refuse other users
 * with 403.
 *
 * <p>Cross-site requests: a browser may attach a session cookie or cached Basic credentials to a
 * request another site makes it send, but without a preflight only as a form or {@code text/plain}
 * body and without custom headers. So a state-changing request from a browser session must carry
 * the session's CSRF token; a state-changing API call must be {@code application/json} (challenge
 * uploads: multipart with an {@code X-Requested-With} header), 415 otherwise; portal forms take a
 * session only, never Basic or Bearer. No 401 ever carries a Basic challenge, so browsers never
 * prompt for (and then cache) Basic credentials.
 */
final class Gate {

  /** The portal's session cookie. The workspace proxy strips it from every forwarded request. */
  static final String SESSION_COOKIE = "prequel_session";

  /** Form field and header that carry the CSRF token. */
  static final String CSRF_FIELD = "_csrf";

  static final String CSRF_HEADER = "X-CSRF-Token";

  private static final String PRINCIPAL = "prequel.principal";
  private static final String ACCOUNTS = "prequel.accounts";

  /** Reachable without signing in. Static assets hold no data; the sign-in page needs them. */
  private static final Set<String> PUBLIC = Set.of("/healthz", "/login", "/setup", "/favicon.ico");

  private static final Set<String> PUBLIC_PREFIXES = Set.of("/static/", "/webjars/");

  /**
   * What a 401 names: a scheme browsers do not prompt for (a Basic challenge would make them ask
   * and then send the credentials on cross-site requests too).
   */
  static final String CHALLENGE = "Bearer realm=\"Prequel\"";

  /** The header a multipart upload to the API must carry: a cross-site form cannot send it. */
  static final String UPLOAD_HEADER = "X-Requested-With";

  /** Deleting an ended interview with its archive, or the work it could not archive. */
  private static final Pattern DESTRUCTIVE =
      Pattern.compile(
          "(?:DELETE /api/v1/interviews/[^/]+"
              + "|POST /api/v1/interviews/[^/]+/discard-unarchived"
              + "|POST /interviews/[^/]+/(?:delete|discard-unarchived))/?");

  private final Accounts accounts;
  private final boolean secureCookies;

  Gate(Accounts accounts, boolean secureCookies) {
    this.accounts = accounts;
    this.secureCookies = secureCookies;
  }

  void check(Context ctx) {
    String path = ctx.path();
    if (PUBLIC_PREFIXES.stream().anyMatch(path::startsWith)) {
      return; // static assets: no session lookup in the database for each of them
    }
    ctx.attribute(ACCOUNTS, accounts);
    Principal principal = authenticate(ctx);
    if (principal != null) {
      ctx.attribute(PRINCIPAL, principal);
      Viewer.set(principal);
    }
    if (PUBLIC.contains(path)) {
      if (unsafe(ctx)) {
        checkSameOrigin(ctx);
      }
      return;
    }
    if (principal == null) {
      if (wantsPage(ctx)) {
        ctx.redirect(
            "/login?next=" + URLEncoder.encode(pathAndQuery(ctx), StandardCharsets.UTF_8),
            HttpStatus.SEE_OTHER);
        ctx.skipRemainingHandlers();
        return;
      }
      ctx.header("WWW-Authenticate", CHALLENGE);
      throw ProblemException.unauthorized(
          "sign in first: send a session cookie, HTTP Basic credentials or a Bearer token");
    }
    if (adminOnly(path) && !principal.admin()) {
      throw ProblemException.forbidden("only admins may use " + path);
    }
    if (!principal.admin() && DESTRUCTIVE.matcher(ctx.method().name() + " " + path).matches()) {
      throw ProblemException.forbidden(
          "only admins may delete an interview's archive or discard work it could not archive");
    }
    if (!unsafe(ctx)) {
      return;
    }
    if (path.startsWith("/api/")) {
      checkApiBody(ctx);
    } else if (principal.via() != Principal.Via.SESSION) {
      throw ProblemException.forbidden(
          "portal forms need a signed-in browser session (Basic and Bearer are for the API under"
              + " /api/v1)");
    }
    if (principal.via() == Principal.Via.SESSION) {
      String sent = ctx.header(CSRF_HEADER);
      if (sent == null) {
        sent = ctx.formParam(CSRF_FIELD);
      }
      if (!Tokens.same(principal.csrfToken(), sent)) {
        throw ProblemException.forbidden(
            "this form has expired or did not come from Prequel (missing CSRF token); reload the"
                + " page and try again");
      }
    }
  }

  /**
   * Sign-in and setup forms carry no CSRF token (there is no session yet), so another site, or a
   * candidate's page on a workspace host, could post its own credentials and sign the interviewer
   * into the attacker's account. Browsers name the page that sent a form in {@code Origin}: it must
   * be the portal's own host. Clients that send no {@code Origin} (scripts, curl) are not browsers
   * acting for someone else.
   */
  private static void checkSameOrigin(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin == null) {
      return;
    }
    String host = ctx.header("Host");
    String originHost;
    try {
      originHost = java.net.URI.create(origin).getRawAuthority();
    } catch (IllegalArgumentException e) {
      originHost = null;
    }
    if (host == null || !host.equalsIgnoreCase(originHost)) {
      throw ProblemException.forbidden(
          "this form was sent from another site; open Prequel's own sign-in page and try again");
    }
  }

  /**
   * A state-changing API call is JSON (even with no body), or a multipart challenge upload with
   * {@link #UPLOAD_HEADER}: neither can be sent cross-site without the browser asking first.
   */
  private static void checkApiBody(Context ctx) {
    String type = mediaType(ctx.header("Content-Type"));
    if (type.equals("application/json")) {
      return;
    }
    boolean upload = ctx.method().name().equals("POST") && ctx.path().equals("/api/v1/challenges");
    if (upload && type.equals("multipart/form-data")) {
      String marker = ctx.header(UPLOAD_HEADER);
      if (marker != null && !marker.isBlank()) {
        return;
      }
      throw ProblemException.unsupportedMediaType(
          "a multipart upload to the API must also send the header "
              + UPLOAD_HEADER
              + " (any value)");
    }
    throw ProblemException.unsupportedMediaType(
        "send Content-Type: application/json"
            + (upload ? " (or multipart/form-data with an " + UPLOAD_HEADER + " header)" : "")
            + (type.isEmpty() ? ", also with no body" : ", not " + type));
  }

  /** "application/json" of "Application/JSON; charset=utf-8"; empty when there is none. */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.strip().toLowerCase(Locale.ROOT);
  }

  void after() {
    Viewer.clear();
  }

  static Principal principal(Context ctx) {
    Principal p = ctx.attribute(PRINCIPAL);
    if (p == null) {
      throw ProblemException.unauthorized("sign in first");
    }
    return p;
  }

  /**
   * Records in the audit log that the request's user did {@code action} to {@code target}; call
   * after the action succeeded.
   */
  static void audit(Context ctx, String action, String target, String detail) {
    Accounts accounts = ctx.attribute(ACCOUNTS);
    accounts.audit(principal(ctx).user(), action, target, detail);
  }

  void openSession(Context ctx, Accounts.NewSession session) {
    ctx.cookie(
        new Cookie(
            SESSION_COOKIE,
            session.token(),
            "/",
            (int) Accounts.SESSION_IDLE.toSeconds(),
            secureCookies,
            true,
            null,
            SameSite.LAX));
  }

  void closeSession(Context ctx) {
    accounts.logout(ctx.cookie(SESSION_COOKIE));
    ctx.cookie(new Cookie(SESSION_COOKIE, "", "/", 0, secureCookies, true, null, SameSite.LAX));
  }

  private Principal authenticate(Context ctx) {
    String authorization = ctx.header("Authorization");
    if (authorization != null) {
      return fromHeader(ctx, authorization.strip());
    }
    return accounts.fromSession(ctx.cookie(SESSION_COOKIE)).orElse(null);
  }

  /** A client that sends credentials gets an answer about them, never a fall-back to the cookie. */
  private Principal fromHeader(Context ctx, String authorization) {
    int space = authorization.indexOf(' ');
    String scheme = space < 0 ? authorization : authorization.substring(0, space);
    String value = space < 0 ? "" : authorization.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return accounts
          .fromBearer(value)
          .orElseThrow(() -> ProblemException.unauthorized("the Bearer token is not valid"));
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw ProblemException.unauthorized("the Basic credentials are not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw ProblemException.unauthorized("Basic credentials must be e-mail:password");
      }
      return accounts.fromBasic(
          decoded.substring(0, colon), decoded.substring(colon + 1), ctx.ip());
    }
    throw ProblemException.unauthorized(
        "unsupported Authorization scheme '" + scheme + "': use Basic or Bearer");
  }

  private static boolean adminOnly(String path) {
    return path.startsWith("/admin/")
        || path.equals("/admin")
        || path.startsWith("/api/v1/users")
        || path.startsWith("/api/v1/audit")
        || path.startsWith("/api/v1/webhooks");
  }

  private static boolean unsafe(Context ctx) {
    return switch (ctx.method().name()) {
      case "GET", "HEAD", "OPTIONS" -> false;
      default -> true;
    };
  }

  /** A browser asking for a page (redirect to sign in), not an API client (401). */
  private static boolean wantsPage(Context ctx) {
    String accept = ctx.header("Accept");
    return ctx.method().name().equals("GET")
        && !ctx.path().startsWith("/api/")
        && !ctx.path().equals("/metrics")
        && accept != null
        && accept.contains("text/html");
  }

  private static String pathAndQuery(Context ctx) {
    String q = ctx.queryString();
    return q == null ? ctx.path() : ctx.path() + "?" + q;
  }

  /**
   * Where to go after signing in: only a path on this portal. Browsers drop tabs and line breaks
   * from URLs and read a backslash as a slash, so {@code /\t/evil} or {@code /\\evil} would mean
   * another host: anything but printable ASCII, and any backslash, is refused.
   */
  static String safeNext(String next) {
    if (next == null
        || next.length() > 2000
        || !next.startsWith("/")
        || next.startsWith("//")
        || next.contains("\\")
        || next.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
      return "/interviews";
    }
    return next;
  }
}
