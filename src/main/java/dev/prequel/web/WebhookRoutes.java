package dev.prequel.web;

import dev.prequel.error.ProblemException;
import dev.prequel.web.WebhookModels.Page;
import dev.prequel.webhook.Webhook;
import dev.prequel.webhook.Webhooks;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;

/**
 * Webhooks (issue 17, 5), admins only ({@link Gate}): endpoints in the API ({@code
 * /api/v1/webhooks}) and the portal ({@code /admin/webhooks}), with the delivery log. A new
 * endpoint's secret is shown once, like an API token.
 */
final class WebhookRoutes {

  /** Body of {@code POST /api/v1/webhooks}. */
  record NewWebhook(String url) {}

  /** The answer to a registration: the endpoint and its secret, this once. */
  record CreatedJson(Webhook webhook, String secret) {}

  private static final int LOG_SIZE = 100;

  private final Webhooks webhooks;
  private final Pages pages;

  WebhookRoutes(Webhooks webhooks, Pages pages) {
    this.webhooks = webhooks;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.get("/api/v1/webhooks", ctx -> ApiRoutes.json(ctx, 200, webhooks.list()));
    r.post(
        "/api/v1/webhooks",
        ctx -> {
          Webhooks.Created created =
              webhooks.register(Json.read(ctx.body(), NewWebhook.class).url(), Viewer.email());
          audit(ctx, "webhook.create", created.webhook());
          ApiRoutes.json(ctx, 201, new CreatedJson(created.webhook(), created.secret()));
        });
    r.delete(
        "/api/v1/webhooks/{id}",
        ctx -> {
          Webhook w = webhooks.get(ctx.pathParam("id"));
          webhooks.delete(w.id());
          audit(ctx, "webhook.delete", w);
          ctx.status(204);
        });
    r.get(
        "/api/v1/webhooks/{id}/deliveries",
        ctx -> ApiRoutes.json(ctx, 200, webhooks.deliveries(ctx.pathParam("id"))));
    r.get("/admin/webhooks", ctx -> page(ctx, 200, null, null));
    r.post(
        "/admin/webhooks",
        ctx -> {
          try {
            Webhooks.Created created = webhooks.register(ctx.formParam("url"), Viewer.email());
            audit(ctx, "webhook.create", created.webhook());
            page(ctx, 201, created.secret(), null);
          } catch (ProblemException e) {
            page(ctx, e.kind().httpStatus, null, e.getMessage());
          }
        });
    r.post(
        "/admin/webhooks/{id}/delete",
        ctx -> {
          Webhook w = webhooks.get(ctx.pathParam("id"));
          webhooks.delete(w.id());
          audit(ctx, "webhook.delete", w);
          ctx.redirect("/admin/webhooks", HttpStatus.SEE_OTHER);
        });
  }

  private void page(Context ctx, int status, String secret, String error) {
    pages.render(
        ctx,
        status,
        "webhooks.jte",
        new Page(webhooks.list(), webhooks.recentDeliveries(LOG_SIZE), secret, error));
  }

  private static void audit(Context ctx, String action, Webhook w) {
    Gate.audit(ctx, action, "webhook " + w.id(), w.url());
  }
}
