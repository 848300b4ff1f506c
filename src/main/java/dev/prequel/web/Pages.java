package dev.prequel.web;

import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.javalin.http.Context;
import java.util.Map;

/** Renders a jte template (compiled at build time; output HTML-escaped) as the response. */
final class Pages {

  private final TemplateEngine templates;

  Pages(TemplateEngine templates) {
    this.templates = templates;
  }

  /** {@code model} is the template's one parameter, or a map of its named parameters. */
  void render(Context ctx, int status, String template, Object model) {
    StringOutput out = new StringOutput();
    if (model instanceof Map<?, ?> params) {
      @SuppressWarnings("unchecked")
      Map<String, Object> named = (Map<String, Object>) params;
      templates.render(template, named, out);
    } else {
      templates.render(template, model, out);
    }
    ctx.status(status).html(out.toString());
  }
}
