package dev.prequel.proxy;

import dev.prequel.error.ProblemException;
import dev.prequel.interview.TakeHomes;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A take-home's pages on the candidate's own host, under {@code /_prequel/} (a path code-server
 * does not use): the start page while it is invited (challenge, duration, window's end, the
 * password and a Start button) and, once it runs, the Submit page.
 *
 * <p>The candidate proves who they are with the interview's password, posted with Start: no secret
 * ever sits in a URL (where it would end up in browser history, proxies' logs and {@code
 * Referer}s), and wrong passwords count against the same throttle as the login page's. A right
 * password also signs the browser in, so the IDE opens by itself once it is ready.
 */
final class TakeHomePages {

  static final String PREFIX = "/_prequel/";
  private static final String START = PREFIX + "start";
  static final String SUBMIT = PREFIX + "submit";

  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("EEEE d MMMM uuuu, HH:mm 'UTC'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  private final TakeHomeDoor door;
  private final CandidateLogin login;

  TakeHomePages(TakeHomeDoor door, CandidateLogin login) {
    this.door = door;
    this.login = login;
  }

  /** Answers every request to an invited take-home's host. */
  void answerInvited(String id, Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    if (START.equals(path) && HttpMethod.POST.is(request.getMethod())) {
      start(id, request, response, callback);
      return;
    }
    if (HttpMethod.GET.is(request.getMethod()) && !WebSocketTunnel.isUpgrade(request)) {
      Optional<TakeHomes.Invitation> invitation = door.invitation(id);
      if (invitation.isPresent()) {
        startPage(response, callback, 200, invitation.get(), null);
        return;
      }
    }
    text(response, callback, 409, "This take-home has not been started yet.\n");
  }

  /**
   * Answers {@code /_prequel/...} on a running interview's host for a signed-in candidate; returns
   * false for every other path (it goes to the workspace).
   */
  boolean answerOpen(String id, Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    if (!path.startsWith(PREFIX)) {
      return false;
    }
    if (!SUBMIT.equals(path) || !door.isTakeHome(id)) {
      text(response, callback, 404, "Not found.\n");
      return true;
    }
    if (HttpMethod.GET.is(request.getMethod())) {
      page(
          response,
          callback,
          200,
          "Submit your take-home",
          "<p>Submitting ends your take-home now: your files are saved as they are and the"
              + " workspace closes. You cannot undo this.</p>"
              + "<form method=\"post\" action=\""
              + SUBMIT
              + "\"><button type=\"submit\">Submit my work</button></form>"
              + "<p><a href=\"/\">Back to the workspace</a></p>");
      return true;
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      text(response, callback, 405, "Use the form.\n");
      return true;
    }
    // The cookie is SameSite=Lax, but every workspace host is "same-site" with the others: only a
    // form from this very host may end this attempt.
    if (!fromThisHost(request)) {
      text(response, callback, 403, "Submit from the take-home's own page.\n");
      return true;
    }
    try {
      door.submit(id);
      page(
          response,
          callback,
          200,
          "Submitted",
          "<p role=\"status\">Your work is submitted and saved. Thank you! You can close this"
              + " tab.</p>");
    } catch (ProblemException e) {
      page(response, callback, 409, "Not submitted", "<p>" + escape(e.getMessage()) + "</p>");
    }
    return true;
  }

  private void start(String id, Request request, Response response, Callback callback) {
    Optional<TakeHomes.Invitation> invitation = door.invitation(id);
    if (invitation.isEmpty()) {
      text(response, callback, 409, "This take-home cannot be started any more.\n");
      return;
    }
    switch (login.checkPassword(id, CandidateLogin.passwordField(request))) {
      case THROTTLED ->
          startPage(
              response,
              callback,
              429,
              invitation.get(),
              "Too many wrong passwords. Wait a minute, then try again.");
      case WRONG ->
          startPage(
              response,
              callback,
              401,
              invitation.get(),
              "Wrong password. Check the password you were sent (it is case-sensitive).");
      case RIGHT -> {
        try {
          door.start(id);
        } catch (ProblemException e) {
          startPage(response, callback, 409, invitation.get(), e.getMessage());
          return;
        }
        login.signIn(id, response);
        CandidateLogin.redirect(response, callback, "/");
      }
    }
  }

  private static boolean fromThisHost(Request request) {
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (origin == null || host == null) {
      return false;
    }
    try {
      return host.equalsIgnoreCase(URI.create(origin).getRawAuthority());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void startPage(
      Response response,
      Callback callback,
      int status,
      TakeHomes.Invitation invitation,
      String error) {
    page(
        response,
        callback,
        status,
        "Your take-home: " + escape(invitation.challengeTitle()),
        (error == null ? "" : "<p class=\"error\" role=\"alert\">" + escape(error) + "</p>")
            + "<dl>"
            + "<dt>Time to complete</dt><dd data-testid=\"duration\">"
            + duration(invitation.durationMinutes())
            + "</dd><dt>Start by</dt><dd data-testid=\"window-end\"><time datetime=\""
            + invitation.windowEndsAt()
            + "\">"
            + WHEN.format(invitation.windowEndsAt())
            + "</time></dd></dl>"
            + "<p>The clock starts when you press Start and does not stop: make sure you have "
            + duration(invitation.durationMinutes())
            + " free. Nothing runs before that. You can submit early from the workspace.</p>"
            + "<form method=\"post\" action=\""
            + START
            + "\"><input type=\"password\" name=\"password\" placeholder=\"Password\""
            + " aria-label=\"Password\" autocomplete=\"current-password\" required>"
            + "<button type=\"submit\">Start</button></form>");
  }

  static String duration(int minutes) {
    int h = minutes / 60;
    int m = minutes % 60;
    if (h == 0) {
      return m + " min";
    }
    return m == 0 ? h + " h" : h + " h " + m + " min";
  }

  static String when(Instant at) {
    return WHEN.format(at);
  }

  private static void page(
      Response response, Callback callback, int status, String title, String body) {
    response.setStatus(status);
    if (status == 401) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, CandidateLogin.CHALLENGE);
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Frame-Options", "DENY");
    String html =
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>%s</title>
        <style>
          body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
          main { max-width: 30rem; margin: 10vh auto; background: #fff; padding: 2rem;
                 border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
          h1 { font-size: 1.25rem; margin-top: 0; }
          dt { font-weight: 600; } dd { margin: 0 0 .5rem 0; }
          input, button { font-size: 1rem; padding: .5rem; width: 100%%; box-sizing: border-box; }
          button { margin-top: .75rem; cursor: pointer; }
          .error { color: #b00020; }
        </style></head>
        <body><main><h1>%s</h1>
        %s
        </main></body></html>
        """
            .formatted(title, title, body);
    Content.Sink.write(response, true, html, callback);
  }

  private static void text(Response response, Callback callback, int status, String message) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    Content.Sink.write(response, true, message, callback);
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int n = 0; n < s.length(); n++) {
      char c = s.charAt(n);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
