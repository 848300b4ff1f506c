package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The runtimes' figures beside each other, at the end of {@code benchmarks.md}: rewritten from
 * {@code benchmarks.json} and {@code benchmarks-docker.json} after either run, so neither run loses
 * the other's figures.
 */
final class SideBySide {

  static final String MARKER = "<!-- side by side: written by ./prequel bench -->";

  private SideBySide() {}

  static void write(Path outDir) throws IOException {
    Path localJson = outDir.resolve("benchmarks.json");
    Path dockerJson = outDir.resolve("benchmarks-docker.json");
    Path md = outDir.resolve("benchmarks.md");
    if (!Files.isRegularFile(localJson)
        || !Files.isRegularFile(dockerJson)
        || !Files.isRegularFile(md)) {
      return;
    }
    JsonNode local = PrequelProcess.JSON.readTree(localJson.toFile());
    JsonNode docker = PrequelProcess.JSON.readTree(dockerJson.toFile());
    StringBuilder s = new StringBuilder(MARKER).append("\n\n## Local and Docker runtimes\n\n");
    s.append("`./prequel bench` and `./prequel bench --runtime docker` (`benchmarks-docker.md`),")
        .append(" each on its own run: the machine may have been busier during one.\n\n")
        .append("| measurement | local (sandbox) | docker (container) | target |\n")
        .append("|---|---|---|---|\n");
    row(
        s,
        "create → active, cold",
        local,
        docker,
        n -> stats(n.path("createToActiveColdMs")),
        "p95 ≤ 3 s");
    row(
        s,
        "create → active, warm pool of 2",
        local,
        docker,
        n -> stats(n.path("createToActiveWarmPoolMs")),
        "p95 ≤ 0.5 s");
    row(
        s,
        "workspace memory (RSS), idle",
        local,
        docker,
        n -> mib(n.path("workspaceRssIdleMib").path("p50")) + " median",
        "");
    row(
        s,
        "workspace memory (RSS), one workbench open",
        local,
        docker,
        n -> mib(n.path("workspaceRssWithOneClientMib")),
        "");
    row(s, "density", local, docker, SideBySide::density, "");
    row(s, "destroy → destroyed", local, docker, n -> stats(n.path("destroyMs")), "");
    s.append("\nMachines: local: ")
        .append(local.path("machine").asText())
        .append("; docker: ")
        .append(docker.path("machine").asText())
        .append(".\n");
    String current = Files.readString(md);
    int at = current.indexOf(MARKER);
    String head = at < 0 ? current.stripTrailing() + "\n\n" : current.substring(0, at);
    Files.writeString(md, head + s);
  }

  private static void row(
      StringBuilder s,
      String what,
      JsonNode local,
      JsonNode docker,
      java.util.function.Function<JsonNode, String> figure,
      String target) {
    s.append("| ")
        .append(what)
        .append(" | ")
        .append(figure.apply(local))
        .append(" | ")
        .append(figure.apply(docker))
        .append(" | ")
        .append(target)
        .append(" |\n");
  }

  private static String stats(JsonNode n) {
    if (n.isMissingNode()) {
      return "–";
    }
    if (n.isTextual()) {
      return n.asText();
    }
    return "p50 "
        + Stats.ms(n.path("p50").asDouble())
        + ", p95 "
        + Stats.ms(n.path("p95").asDouble())
        + " (n="
        + n.path("n").asInt()
        + ")";
  }

  private static String mib(JsonNode n) {
    return n.isMissingNode() ? "–" : String.format("%.0f MiB", n.asDouble());
  }

  private static String density(JsonNode n) {
    JsonNode d = n.path("density");
    if (d.isMissingNode()) {
      return "–";
    }
    int count = d.path("concurrentInterviews").asInt();
    return count
        + " interviews (stopped by "
        + d.path("stoppedBy").asText()
        + "), "
        + String.format("%.0f MiB", d.path("workspacesRssTotalMib").asDouble() / Math.max(1, count))
        + " each";
  }
}
