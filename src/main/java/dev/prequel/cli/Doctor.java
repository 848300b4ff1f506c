package dev.prequel.cli;

import dev.prequel.Config;
import dev.prequel.Runtimes;
import dev.prequel.Stores;
import dev.prequel.challenge.ChallengeStore;
import dev.prequel.challenge.HostTools;
import dev.prequel.challenge.Manifest;
import dev.prequel.challenge.ManifestProblem;
import dev.prequel.challenge.ManifestReader;
import dev.prequel.runtime.RuntimeDescription;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/** Lists what Prequel needs on this machine, what is there, and how to install what is missing. */
@Command(
    name = "doctor",
    description = "Check this machine: what is present, what is missing and how to install it.")
final class Doctor implements Callable<Integer> {

  record Check(String name, boolean ok, String found, String fix, boolean required) {}

  @Override
  public Integer call() {
    Config config;
    try {
      config = Config.fromEnv(System.getenv());
    } catch (Config.ConfigException e) {
      System.out.println("✗ configuration: " + e.getMessage());
      return 1;
    }
    List<Check> checks = new ArrayList<>();
    checks.add(
        new Check(
            "java",
            Runtime.version().feature() >= 17,
            "Java " + Runtime.version(),
            "apt-get install -y openjdk-17-jdk-headless",
            true));
    String node = version("node", "--version");
    checks.add(
        new Check(
            "node 20",
            node != null && node.startsWith("v20."),
            node == null ? "missing" : node,
            "apt-get install -y nodejs npm (code-server "
                + Config.CODE_SERVER_VERSION
                + " needs Node 20)",
            true));
    String npm = version("npm", "--version");
    checks.add(
        new Check(
            "npm", npm != null, npm == null ? "missing" : npm, "apt-get install -y npm", true));
    Path entry = config.codeServerDir().resolve("node_modules/code-server/out/node/entry.js");
    checks.add(
        new Check(
            "code-server " + Config.CODE_SERVER_VERSION,
            Files.isRegularFile(entry),
            Files.isRegularFile(entry)
                ? config.codeServerDir().toString()
                : "not installed at " + config.codeServerDir(),
            "./prequel run installs it on first start (or: scripts/install-code-server.sh)",
            true));
    String rg = version("rg", "--version");
    checks.add(
        new Check(
            "ripgrep",
            rg != null,
            rg == null ? "missing" : rg,
            "apt-get install -y ripgrep (needed to install code-server offline, and for search in VS Code)",
            true));
    checks.addAll(challengeChecks(config));
    checks.add(
        new Check(
            "data folder",
            writable(config.dataDir()),
            config.dataDir().toString(),
            "set PREQUEL_DATA_DIR to a folder this user can write",
            true));
    RuntimeDescription runtime = Runtimes.of(config, Clock.systemUTC()).describe();
    checks.add(
        new Check(
            "isolation (" + runtime.name() + " runtime)",
            runtime.sandboxed() && runtime.limited(),
            runtime.isolation()
                + (runtime.limited() ? " + limits" : ", no limits")
                + (runtime.missing().isEmpty()
                    ? ""
                    : " (missing: " + String.join("; ", runtime.missing()) + ")"),
            runtime.fix(),
            config.runtime().requireSandbox()));
    List<String> replicas = dev.prequel.ReplicaCheck.problems(config, runtime.name());
    checks.add(
        new Check(
            "replicas",
            replicas.isEmpty(),
            config.database().embedded()
                ? "one Prequel (embedded database)"
                : replicas.isEmpty()
                    ? "PostgreSQL; nothing kept on this machine"
                    : String.join("\n    ", replicas),
            "README, \"Run several replicas\"",
            false));
    String mkfs = version("mkfs.ext4", "-V");
    checks.add(
        new Check(
            "disk quota",
            runtime.sandboxed() && mkfs != null,
            !runtime.sandboxed()
                ? "none: workspaces are not sandboxed"
                : mkfs == null
                    ? "none: mkfs.ext4 missing"
                    : config.runtime().limits().diskMb() + " MiB per workspace (" + mkfs + ")",
            "apt-get install -y e2fsprogs (and sandbox workspaces)",
            false));
    if (config.runtime().outbound() == dev.prequel.runtime.Outbound.EGRESS) {
      String slirp = version("slirp4netns", "--version");
      checks.add(
          new Check(
              "egress (slirp4netns)",
              slirp != null,
              slirp == null ? "missing: egress workspaces cannot start" : slirp,
              "apt-get install -y slirp4netns",
              true));
    }
    String chromium = version("chromium", "--version");
    checks.add(
        new Check(
            "chromium (tests only)",
            chromium != null,
            chromium == null ? "missing" : chromium,
            "apt-get install -y chromium (./prequel test installs it)",
            false));

    boolean allRequired = true;
    for (Check c : checks) {
      System.out.printf(
          "%s %-22s %s%n", c.ok() ? "✓" : (c.required() ? "✗" : "!"), c.name(), c.found());
      if (!c.ok()) {
        System.out.println("    → " + c.fix());
        allRequired &= !c.required();
      }
    }
    System.out.println(
        allRequired ? "Ready: ./prequel run" : "Something required is missing (see → above).");
    return allRequired ? 0 : 1;
  }

  /**
   * The library's challenges: broken manifests, and tools challenges need that this host lacks
   * (each tool once, naming the challenges that need it).
   */
  private static List<Check> challengeChecks(Config config) {
    List<Check> checks = new ArrayList<>();
    ChallengeStore store = Stores.challenges(config);
    HostTools tools = HostTools.forRuntime(config.runtime().kind(), Clock.systemUTC());
    int usable = 0;
    Map<String, List<String>> neededBy = new LinkedHashMap<>();
    Map<String, HostTools.Missing> missing = new LinkedHashMap<>();
    try {
      for (String id : store.ids()) {
        String file = id + "/" + ManifestReader.FILE_NAME;
        try {
          byte[] yaml =
              store
                  .read(id, ManifestReader.FILE_NAME)
                  .orElseThrow(() -> new ManifestProblem(file, "", "is missing"));
          Manifest m = ManifestReader.read(file, id, yaml);
          usable++;
          for (HostTools.Missing miss : tools.missing(m.tools())) {
            missing.putIfAbsent(miss.tool(), miss);
            neededBy.computeIfAbsent(miss.tool(), k -> new ArrayList<>()).add(id);
          }
        } catch (ManifestProblem e) {
          checks.add(new Check("challenge " + id, false, e.getMessage(), "fix " + file, false));
        }
      }
    } catch (IOException e) {
      checks.add(
          new Check("challenges", false, e.getMessage(), "check the PREQUEL_S3_* settings", true));
      return checks;
    }
    checks.add(
        0,
        new Check(
            "challenges",
            usable > 0,
            usable + " in " + store.describe(),
            "set PREQUEL_CHALLENGES_DIR to a folder of challenges (each with a challenge.yaml)",
            true));
    for (var e : missing.entrySet()) {
      checks.add(
          new Check(
              e.getKey(),
              false,
              e.getValue().reason()
                  + " (needed by "
                  + String.join(", ", neededBy.get(e.getKey()))
                  + ")",
              e.getValue().install(),
              false));
    }
    return checks;
  }

  private static boolean writable(Path dir) {
    try {
      Files.createDirectories(dir);
      return Files.isWritable(dir);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The line of a tool's version output that holds a version number (the last such: Debian's
   * chromium wrapper prints a shell warning first), or null when the tool is not installed.
   */
  static String version(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .lines()
              .filter(l -> l.matches(".*\\d+\\.\\d+.*"))
              .reduce((first, second) -> second)
              .orElse("")
              .strip();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
