package dev.prequel.web;

import dev.prequel.webhook.Delivery;
import dev.prequel.webhook.Webhook;
import java.util.List;

/** What the webhooks page shows. Public because templates are compiled apart. */
public final class WebhookModels {

  private WebhookModels() {}

  /** The admin page. Public because templates are compiled apart. */
  public record Page(
      List<Webhook> webhooks, List<Delivery> deliveries, String secret, String error) {}
}
