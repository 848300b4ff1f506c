package dev.prequel.web;

import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interviews;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An interview's secrets (issue 17, 6) in the API: {@code GET} and {@code PUT
 * /api/v1/interviews/{id}/secrets}. Values go in and never come out: every answer, audit line and
 * log line names the variables only. The portal's forms ({@link PortalPages}) read the same {@code
 * NAME=value} lines through {@link #parseLines}.
 */
final class SecretRoutes {

  /** Body of {@code PUT /api/v1/interviews/{id}/secrets}: all of them, replacing any before. */
  record SecretsInput(Map<String, String> secrets) {
    @Override
    public String toString() {
      return "SecretsInput" + (secrets == null ? "[]" : secrets.keySet());
    }
  }

  /** What the API answers: the names, never a value. */
  record SecretNames(Set<String> names) {}

  private final Interviews interviews;

  SecretRoutes(Interviews interviews) {
    this.interviews = interviews;
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/interviews/{id}/secrets",
        ctx ->
            ApiRoutes.json(ctx, 200, new SecretNames(interviews.secretNames(ctx.pathParam("id")))));
    r.put(
        "/api/v1/interviews/{id}/secrets",
        ctx -> {
          String id = ctx.pathParam("id");
          Set<String> names = interviews.replaceSecrets(id, read(ctx.body()).secrets());
          audit(ctx, id, names);
          ApiRoutes.json(ctx, 200, new SecretNames(names));
        });
  }

  /** The body; a parse error is told without the parser's words, which may quote a value. */
  private static SecretsInput read(String body) {
    try {
      return Json.read(body, SecretsInput.class);
    } catch (ProblemException e) {
      throw ProblemException.badInput(
          "secrets", "send {\"secrets\": {\"NAME\": \"value\", ...}} with string values");
    }
  }

  static void audit(Context ctx, String id, Set<String> names) {
    Gate.audit(
        ctx,
        "interview.secrets",
        "interview " + id,
        names.isEmpty() ? "secrets removed" : "secrets set: " + String.join(", ", names));
  }

  /**
   * {@code NAME=value} lines, as the portal's text box takes them; blank lines and lines starting
   * with {@code #} are skipped. A refusal names the line, never its value.
   */
  static Map<String, String> parseLines(String text) {
    Map<String, String> values = new LinkedHashMap<>();
    if (text == null) {
      return values;
    }
    String[] lines = text.split("\r?\n", -1);
    for (int n = 0; n < lines.length; n++) {
      String line = lines[n];
      if (line.isBlank() || line.strip().startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw ProblemException.badInput(
            "secrets", "line " + (n + 1) + " of the secrets is not NAME=value");
      }
      String name = line.substring(0, eq).strip();
      if (values.put(name, line.substring(eq + 1)) != null) {
        throw ProblemException.badInput("secrets", name + " is given twice");
      }
    }
    return values;
  }
}
