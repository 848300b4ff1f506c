package dev.prequel.webhook;

import java.time.Instant;

/** An endpoint an admin registered. Its secret is never part of this record. */
public record Webhook(String id, String url, Instant createdAt, String createdBy) {}
