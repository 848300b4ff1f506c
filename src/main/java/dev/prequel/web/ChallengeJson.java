package dev.prequel.web;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.HostTools;
import dev.prequel.challenge.Manifest;
import java.time.Instant;
import java.util.List;

/** A challenge as the API shows it. */
record ChallengeJson(
    String id,
    String title,
    String description,
    String environment,
    boolean runnable,
    List<HostTools.Missing> missingTools,
    int durationMinutes,
    List<String> setup,
    List<String> open,
    String test,
    Manifest.Resources resources,
    String network,
    List<String> tools,
    Instant addedAt,
    boolean deleted,
    int useCount,
    Instant lastUsedAt) {

  static ChallengeJson of(Challenge c) {
    Manifest m = c.manifest();
    return new ChallengeJson(
        c.id(),
        c.title(),
        c.description(),
        m.environment(),
        c.runnable(),
        c.missingTools(),
        m.durationMinutes(),
        m.setup(),
        m.open(),
        m.test(),
        m.resources(),
        m.network().wireName(),
        m.tools().stream().map(Manifest.Tool::describe).toList(),
        c.addedAt(),
        c.deleted(),
        c.useCount(),
        c.lastUsedAt());
  }
}
