package dev.prequel.web;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Requests Jetty refuses before any handler sees them (a URI or headers too long, a malformed
 * request line) are answered like every other refusal: JSON {@code {error, message}}, no stack.
 */
final class JsonErrorHandler extends ErrorHandler {

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    Content.Sink.write(response, true, body(code, message), callback);
  }

  private static String body(int code, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    String reason = HttpStatus.getMessage(code);
    body.put(
        "error",
        code == 414 || code == 431 || code == 413
            ? "too_large"
            : reason.toLowerCase(Locale.ROOT).replace(' ', '_'));
    body.put(
        "message",
        message == null || message.isBlank()
            ? reason
            : reason + ": " + message.replaceAll("\\s+", " "));
    return Json.write(body);
  }
}
