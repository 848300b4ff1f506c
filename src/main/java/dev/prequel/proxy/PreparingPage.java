package dev.prequel.proxy;

import java.util.Locale;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What a candidate's browser gets before the interview is active: a page that says the workspace is
 * being prepared and reloads itself, and 503 for everything else (sign-in, WebSockets, the IDE's
 * own requests). The text is fixed: nothing from the request is echoed.
 */
final class PreparingPage {

  /** Seconds between reloads of the page, and the {@code Retry-After} of a 503. */
  static final int RETRY_SECONDS = 5;

  private static final String HTML =
      """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta http-equiv="refresh" content="%d">
      <title>Your interview is being prepared</title>
      <style>
        body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
        main { max-width: 28rem; margin: 12vh auto; background: #fff; padding: 2rem;
               border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
        h1 { font-size: 1.25rem; margin-top: 0; }
      </style></head>
      <body><main>
      <h1>Your interview is being prepared</h1>
      <p>Your workspace is being set up. This page reloads itself and shows the sign-in as soon as
      the workspace is ready; there is nothing you need to do.</p>
      </main></body></html>
      """
          .formatted(RETRY_SECONDS);

  private PreparingPage() {}

  static void write(Request request, Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Frame-Options", "DENY");
    if (isPage(request)) {
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
      Content.Sink.write(response, true, HTML, callback);
      return;
    }
    response.setStatus(503);
    response.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(RETRY_SECONDS));
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
    Content.Sink.write(
        response,
        true,
        "The interview workspace is being prepared; try again in a few seconds.\n",
        callback);
  }

  /** A browser asking for a page (not a form post, a script's request or a WebSocket). */
  private static boolean isPage(Request request) {
    String accept = request.getHeaders().get(HttpHeader.ACCEPT);
    return HttpMethod.GET.is(request.getMethod())
        && accept != null
        && accept.toLowerCase(Locale.ROOT).contains("text/html")
        && !WebSocketTunnel.isUpgrade(request);
  }
}
