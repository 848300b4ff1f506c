package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a cold start's time goes, read from each interview's own log (Prequel stamps every line to
 * the millisecond): for each phase, when it ended, in milliseconds after the create request. The
 * phases overlap: code-server starts in the background while the challenge's files are copied and
 * its setup runs, and the interview turns active at the first readiness probe after both.
 */
final class StartupPhases {

  /** A phase's name and the start of the log line that ends it (the first such line). */
  private static final Map<String, String> PHASES = new LinkedHashMap<>();

  static {
    PHASES.put("disk mounted", "disk: ");
    PHASES.put("code-server process started", "code-server started");
    PHASES.put("challenge files copied", "copied ");
    PHASES.put("setup finished", "setup command finished");
    PHASES.put("code-server listening (socket sealed)", "code-server listens");
    PHASES.put("active", "configuring → active");
  }

  private final Map<String, List<Double>> ends = new LinkedHashMap<>();

  StartupPhases() {
    PHASES.keySet().forEach(p -> ends.put(p, new ArrayList<>()));
  }

  /** Adds one interview: {@code log} is its {@code /log} answer, {@code created} the request. */
  void add(JsonNode log, Instant created) {
    for (var phase : PHASES.entrySet()) {
      for (JsonNode line : log) {
        if (line.get("message").asText().startsWith(phase.getValue())) {
          Instant at = Instant.parse(line.get("at").asText());
          ends.get(phase.getKey()).add(Duration.between(created, at).toNanos() / 1e6);
          break;
        }
      }
    }
  }

  /** Each phase's end, p50 and p95 (phases no log line named are left out). */
  Map<String, Stats> stats() {
    Map<String, Stats> stats = new LinkedHashMap<>();
    ends.forEach(
        (phase, values) -> {
          if (!values.isEmpty()) {
            stats.put(phase, Stats.of(values));
          }
        });
    return stats;
  }

  /** One line for the table: "disk mounted 40 ms · … · active 1.02 s" (medians). */
  String summary() {
    List<String> parts = new ArrayList<>();
    stats().forEach((phase, s) -> parts.add(phase + " " + Stats.ms(s.p50())));
    return "median end after create: " + String.join(" · ", parts);
  }
}
