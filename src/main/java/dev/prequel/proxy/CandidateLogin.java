package dev.prequel.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The candidate's door to a workspace, kept by the proxy for every workspace (code-server itself
 * runs without a password, on a socket only Prequel reaches): a login page at {@code /login} that
 * checks the interview's password and sets a signed cookie ({@link WorkspaceCookies}), {@code
 * /logout}, and a refusal of every other request that lacks a valid cookie. Wrong passwords are
 * limited per interview, so a password cannot be guessed by trying.
 */
public final class CandidateLogin {

  /** Wrong passwords allowed per interview within {@link #FAILURE_WINDOW}. */
  static final int MAX_FAILURES = 10;

  static final Duration FAILURE_WINDOW = Duration.ofMinutes(1);

  private static final String LOGIN = "/login";
  private static final String LOGOUT = "/logout";

  /** HTTP requires a challenge with 401; this one names the form, so no browser prompts. */
  static final String CHALLENGE = "Cookie realm=\"interview\", form=\"/login\"";

  private final WorkspaceCookies cookies;
  private final InterviewPasswords passwords;
  private final boolean secureCookies;
  private final Clock clock;
  private final PasswordFailures failures;

  /** Counting wrong passwords in memory: the proxy's tests. */
  public CandidateLogin(
      WorkspaceCookies cookies, InterviewPasswords passwords, boolean secureCookies, Clock clock) {
    this(cookies, passwords, secureCookies, clock, new MemoryPasswordFailures());
  }

  /**
   * @param secureCookies whether candidates reach workspaces over https (the cookie is then sent
   *     over https only)
   * @param failures where wrong passwords are counted: the database, shared by every replica
   */
  public CandidateLogin(
      WorkspaceCookies cookies,
      InterviewPasswords passwords,
      boolean secureCookies,
      Clock clock,
      PasswordFailures failures) {
    this.cookies = cookies;
    this.passwords = passwords;
    this.secureCookies = secureCookies;
    this.clock = clock;
    this.failures = failures;
  }

  /**
   * Answers the request itself (login, logout, or a refusal) and returns true, or returns false for
   * a request that carries a valid cookie for this interview and may go on to the workspace.
   */
  boolean answer(String interviewId, Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (LOGIN.equals(path)) {
      if (HttpMethod.POST.is(method)) {
        login(interviewId, request, response, callback);
      } else if (loggedIn(interviewId, request)) {
        redirect(response, callback, "/");
      } else {
        page(response, callback, 200, null);
      }
      return true;
    }
    if (LOGOUT.equals(path)) {
      if (!fromThisPageOrTyped(request)) {
        // Every {id}. host is same-site with the others, so another candidate's page could
        // otherwise sign this candidate out with a link or an image.
        WorkspaceProxy.writePage(
            response,
            callback,
            403,
            "Not signed out",
            "Signing out works only from this workspace's own pages, or by typing the address.");
        return true;
      }
      Response.addCookie(response, cookie("", 0));
      redirect(response, callback, LOGIN);
      return true;
    }
    if (loggedIn(interviewId, request)) {
      return false;
    }
    if (HttpMethod.GET.is(method) && acceptsHtml(request) && !WebSocketTunnel.isUpgrade(request)) {
      // Absolute: "./login" from a deeper page would resolve beside it, and loop.
      redirect(response, callback, LOGIN);
    } else {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
      WorkspaceProxy.writePage(
          response,
          callback,
          401,
          "Sign in first",
          "This interview workspace needs its password: open <a href=\"/login\">the login page</a>.");
    }
    return true;
  }

  /**
   * Whether a browser says the request comes from this very origin, or from the address bar. Only
   * browsers send {@code Sec-Fetch-Site}; a request without it comes from a script, which cannot
   * carry the victim's cookie from another site anyway.
   */
  static boolean fromThisPageOrTyped(Request request) {
    String site = request.getHeaders().get("Sec-Fetch-Site");
    return site == null || "same-origin".equals(site) || "none".equals(site);
  }

  /**
   * Whether this request goes straight to the workspace: signed in, and for none of the login's own
   * pages. Only CPU work (the cookie's cached signature), so it may run on a selector thread.
   */
  boolean passes(String interviewId, Request request) {
    String path = request.getHttpURI().getPath();
    return !LOGIN.equals(path) && !LOGOUT.equals(path) && loggedIn(interviewId, request);
  }

  /**
   * Prequel's own readiness probe while the interview is being prepared: code-server's health check
   * with a cookie for this interview. Candidates cannot sign in before the interview is active, so
   * until then only Prequel holds such a cookie; and the health check touches nothing.
   */
  boolean isProbe(String interviewId, Request request) {
    return HttpMethod.GET.is(request.getMethod())
        && "/healthz".equals(request.getHttpURI().getPath())
        && request.getHttpURI().getQuery() == null
        && loggedIn(interviewId, request);
  }

  boolean loggedIn(String interviewId, Request request) {
    // A plain loop: this runs on every proxied request.
    for (HttpCookie c : Request.getCookies(request)) {
      if (WorkspaceCookies.NAME.equals(c.getName())
          && cookies.verify(interviewId, Optional.of(c.getValue()))) {
        return true;
      }
    }
    return false;
  }

  /** The outcome of a password given for an interview. */
  enum PasswordCheck {
    RIGHT,
    WRONG,
    /** Too many wrong ones lately: not even compared. */
    THROTTLED
  }

  /**
   * Checks a password given for an interview, counting wrong ones: after {@link #MAX_FAILURES}
   * within {@link #FAILURE_WINDOW} every attempt is refused until the oldest ages out.
   */
  PasswordCheck checkPassword(String interviewId, String given) {
    if (tooManyFailures(interviewId)) {
      return PasswordCheck.THROTTLED;
    }
    Optional<String> expected = passwords.passwordOf(interviewId);
    if (expected.isPresent() && sameSecret(expected.get(), given)) {
      failures.forgive(interviewId);
      return PasswordCheck.RIGHT;
    }
    failures.record(interviewId, clock.instant());
    return PasswordCheck.WRONG;
  }

  /** Sets the signed cookie that lets this browser into the interview's workspace. */
  void signIn(String interviewId, Response response) {
    Response.addCookie(response, cookie(cookies.mint(interviewId), -1));
  }

  /** The {@code password} field of a posted form; empty when there is none. */
  static String passwordField(Request request) {
    try {
      Fields form = FormFields.getFields(request, 10, 4096);
      return Optional.ofNullable(form.getValue("password")).orElse("");
    } catch (RuntimeException e) {
      return "";
    }
  }

  private void login(String interviewId, Request request, Response response, Callback callback) {
    switch (checkPassword(interviewId, passwordField(request))) {
      case RIGHT -> {
        signIn(interviewId, response);
        redirect(response, callback, "/");
      }
      case THROTTLED ->
          page(
              response,
              callback,
              429,
              "Too many wrong passwords for this interview. Wait a minute, then try again.");
      case WRONG ->
          page(
              response,
              callback,
              401,
              "Wrong password. Check the password you were sent (it is case-sensitive) and try"
                  + " again.");
    }
  }

  /** Compares digests, so the time taken says nothing about how much of the password matched. */
  static boolean sameSecret(String expected, String given) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] a = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
      byte[] b = sha.digest(given.getBytes(StandardCharsets.UTF_8));
      return MessageDigest.isEqual(a, b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private boolean tooManyFailures(String interviewId) {
    Instant since = clock.instant().minus(FAILURE_WINDOW);
    return failures.countSince(interviewId, since, MAX_FAILURES) >= MAX_FAILURES;
  }

  /** A session cookie (maxAge -1), or one that clears it (0). */
  private HttpCookie cookie(String value, int maxAgeSeconds) {
    // Host-only (no Domain): the cookie of one interview's host never reaches another's.
    return HttpCookie.build(WorkspaceCookies.NAME, value)
        .path("/")
        .httpOnly(true)
        .sameSite(HttpCookie.SameSite.LAX)
        .secure(secureCookies)
        .maxAge(maxAgeSeconds)
        .build();
  }

  private static boolean acceptsHtml(Request request) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }

  static void redirect(Response response, Callback callback, String location) {
    response.setStatus(302);
    response.getHeaders().put(HttpHeader.LOCATION, location);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    callback.succeeded();
  }

  /** The login page, shaped like code-server's: a form that posts {@code password} to login. */
  private static void page(Response response, Callback callback, int status, String error) {
    response.setStatus(status);
    if (status == 401) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CHALLENGE);
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Frame-Options", "DENY");
    String html =
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Sign in to your interview</title>
        <style>
          body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
          main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
                 border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
          h1 { font-size: 1.25rem; margin-top: 0; }
          input, button { font-size: 1rem; padding: .5rem; width: 100%%; box-sizing: border-box; }
          button { margin-top: .75rem; cursor: pointer; }
          .error { color: #b00020; }
        </style></head>
        <body><main>
        <h1>Sign in to your interview</h1>
        <p>Enter the password you were sent with the link.</p>
        %s
        <form method="post" action="login">
          <input type="password" name="password" placeholder="Password" aria-label="Password"
                 autocomplete="current-password" autofocus required>
          <button type="submit">Sign in</button>
        </form>
        </main></body></html>
        """
            .formatted(error == null ? "" : "<p class=\"error\" role=\"alert\">" + error + "</p>");
    Content.Sink.write(response, true, html, callback);
  }
}
