package dev.prequel.challenge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and validates {@code challenge.yaml}. Every refusal names the file, the field and the
 * reason; unknown fields are refused too, so a typo ({@code setpu:}) does not silently do nothing.
 */
public final class ManifestReader {

  public static final String FILE_NAME = "challenge.yaml";

  /** Ids become folder names, object keys and host-safe strings. */
  public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> FIELDS =
      Set.of(
          "id",
          "title",
          "description",
          "environment",
          "setup",
          "setupTimeoutSeconds",
          "reuse",
          "open",
          "scorecard",
          "test",
          "durationMinutes",
          "resources",
          "network",
          "tools");
  private static final Set<String> TOOL_FIELDS =
      Set.of("name", "command", "version", "modules", "install");
  private static final Pattern ENVIRONMENT = Pattern.compile("[a-z][a-z0-9+#.-]{0,30}");
  private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+){0,3}");
  private static final Pattern TOOL_SHORTHAND =
      Pattern.compile("([A-Za-z0-9_./+-]+)(?:\\s*>=\\s*(\\S+))?");
  private static final Pattern MEMORY = Pattern.compile("(\\d+)\\s*([mMgG])[iI]?[bB]?");
  private static final Duration DEFAULT_SETUP_TIMEOUT = Duration.ofMinutes(5);

  private ManifestReader() {}

  /**
   * Parses and validates one manifest.
   *
   * @param file how to name the file in messages ({@code challenges/x/challenge.yaml})
   * @param folderId the challenge's folder (or key prefix) name; the manifest's id must match it
   */
  public static Manifest read(String file, String folderId, byte[] yaml) throws ManifestProblem {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ManifestProblem(file, "", "is not valid YAML: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw new ManifestProblem(file, "", "cannot be read: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new ManifestProblem(file, "", "must be a YAML mapping (title: …, description: …)");
    }
    Fields f = new Fields(file, root);
    f.onlyKnown(FIELDS, "");

    String id = f.text("id", false);
    if (id == null) {
      id = folderId;
    } else if (folderId != null && !id.equals(folderId)) {
      throw new ManifestProblem(
          file, "id", "is '" + id + "' but the challenge's folder is '" + folderId + "'");
    }
    if (id == null || !ID.matcher(id).matches()) {
      throw new ManifestProblem(
          file,
          "id",
          "'"
              + id
              + "' is not a valid id: use 1-63 lower-case letters, digits and '-', starting with a letter or digit");
    }
    String title = f.text("title", true);
    if (title.length() > 120) {
      throw new ManifestProblem(file, "title", "is longer than 120 characters");
    }
    String description = nz(f.text("description", false)).strip();
    String environment = nz(f.text("environment", false)).toLowerCase(Locale.ROOT);
    if (environment.isEmpty()) {
      environment = "other";
    } else if (!ENVIRONMENT.matcher(environment).matches()) {
      throw new ManifestProblem(
          file, "environment", "'" + environment + "' is not a name like javascript or python");
    }
    List<String> setup = f.textList("setup");
    int timeout =
        f.integer("setupTimeoutSeconds", (int) DEFAULT_SETUP_TIMEOUT.toSeconds(), 1, 3600);
    List<String> reuse = relativePaths(file, "reuse", f.textList("reuse"));
    List<String> open = relativePaths(file, "open", f.textList("open"));
    String test = nz(f.text("test", false));
    int duration = f.integer("durationMinutes", 60, 5, 24 * 60);
    Manifest.Resources resources = resources(file, root.get("resources"));
    Outbound network;
    String net = nz(f.text("network", false));
    try {
      network = net.isEmpty() ? Outbound.NONE : Outbound.parse(net);
    } catch (IllegalArgumentException e) {
      throw new ManifestProblem(file, "network", e.getMessage());
    }
    List<Manifest.Tool> tools = tools(file, root.get("tools"));
    List<String> scorecard = f.textList("scorecard");
    if (scorecard.size() > 20
        || scorecard.stream().anyMatch(c -> c.isBlank() || c.length() > 80)
        || scorecard.stream().distinct().count() < scorecard.size()) {
      throw new ManifestProblem(
          file, "scorecard", "must list at most 20 different criteria of 1-80 characters");
    }
    return new Manifest(
        id,
        title,
        description,
        environment,
        setup,
        Duration.ofSeconds(timeout),
        reuse,
        open,
        test,
        duration,
        resources,
        network,
        tools,
        scorecard);
  }

  private static List<String> relativePaths(String file, String field, List<String> paths)
      throws ManifestProblem {
    for (int i = 0; i < paths.size(); i++) {
      String path = paths.get(i);
      if (path.startsWith("/")
          || path.contains("\\")
          || List.of(path.split("/", -1)).contains("..")) {
        throw new ManifestProblem(
            file, field + "[" + i + "]", "'" + path + "' must be a path inside the challenge");
      }
    }
    return paths;
  }

  private static Manifest.Resources resources(String file, JsonNode node) throws ManifestProblem {
    WorkspaceLimits defaults = WorkspaceLimits.DEFAULT;
    if (node == null || node.isNull()) {
      return new Manifest.Resources(
          defaults.milliCpus() / 1000.0,
          defaults.memoryMb(),
          defaults.maxProcesses(),
          defaults.diskMb());
    }
    if (!node.isObject()) {
      throw new ManifestProblem(file, "resources", "must be a mapping like {cpu: 1, memory: 1g}");
    }
    Fields f = new Fields(file, node);
    f.onlyKnown(Set.of("cpu", "memory", "processes", "disk"), "resources.");
    double cpus = defaults.milliCpus() / 1000.0;
    JsonNode cpu = node.get("cpu");
    if (cpu != null && !cpu.isNull()) {
      if (!cpu.isNumber() || cpu.asDouble() < 0.01 || cpu.asDouble() > 64) {
        throw new ManifestProblem(file, "resources.cpu", "must be a number between 0.01 and 64");
      }
      cpus = cpu.asDouble();
    }
    int memoryMb = defaults.memoryMb();
    JsonNode memory = node.get("memory");
    if (memory != null && !memory.isNull()) {
      Matcher m = MEMORY.matcher(memory.asText().strip());
      if (!m.matches()) {
        throw new ManifestProblem(
            file,
            "resources.memory",
            "must be like 512m, 512Mi or 2g, got '" + memory.asText() + "'");
      }
      long mb = Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1);
      if (mb < 64 || mb > 256 * 1024) {
        throw new ManifestProblem(file, "resources.memory", "must be between 64m and 256g");
      }
      memoryMb = (int) mb;
    }
    int processes = defaults.maxProcesses();
    JsonNode procs = node.get("processes");
    if (procs != null && !procs.isNull()) {
      if (!procs.isIntegralNumber() || procs.asInt() < 32 || procs.asInt() > 100_000) {
        throw new ManifestProblem(
            file, "resources.processes", "must be a whole number between 32 and 100000");
      }
      processes = procs.asInt();
    }
    int diskMb = defaults.diskMb();
    JsonNode disk = node.get("disk");
    if (disk != null && !disk.isNull()) {
      Matcher m = MEMORY.matcher(disk.asText().strip());
      if (!m.matches()) {
        throw new ManifestProblem(
            file, "resources.disk", "must be like 512m, 512Mi or 2g, got '" + disk.asText() + "'");
      }
      long mb = Long.parseLong(m.group(1)) * (m.group(2).equalsIgnoreCase("g") ? 1024 : 1);
      if (mb < 64 || mb > 1024 * 1024) {
        throw new ManifestProblem(file, "resources.disk", "must be between 64m and 1024g");
      }
      diskMb = (int) mb;
    }
    return new Manifest.Resources(cpus, memoryMb, processes, diskMb);
  }

  private static List<Manifest.Tool> tools(String file, JsonNode node) throws ManifestProblem {
    List<Manifest.Tool> tools = new ArrayList<>();
    if (node == null || node.isNull()) {
      return tools;
    }
    if (!node.isArray()) {
      throw new ManifestProblem(file, "tools", "must be a list");
    }
    for (int i = 0; i < node.size(); i++) {
      String field = "tools[" + i + "]";
      JsonNode t = node.get(i);
      if (t.isTextual()) { // shorthand: "sqlite3" or "node >= 18"
        Matcher m = TOOL_SHORTHAND.matcher(t.asText().strip());
        if (!m.matches()) {
          throw new ManifestProblem(
              file, field, "'" + t.asText() + "' is not like 'sqlite3' or 'node >= 18'");
        }
        tools.add(tool(file, field, m.group(1), null, m.group(2), List.of(), null));
        continue;
      }
      if (!t.isObject()) {
        throw new ManifestProblem(file, field, "must be a name ('node >= 18') or a mapping");
      }
      Fields f = new Fields(file, t);
      f.onlyKnown(TOOL_FIELDS, field + ".");
      String name = f.text("name", true, field + ".");
      String version = f.text("version", false, field + ".");
      if (version != null) {
        version = version.strip().replaceFirst("^>=\\s*", "");
      }
      tools.add(
          tool(
              file,
              field,
              name,
              f.text("command", false, field + "."),
              version,
              f.textList("modules", field + "."),
              f.text("install", false, field + ".")));
    }
    return tools;
  }

  private static Manifest.Tool tool(
      String file,
      String field,
      String name,
      String command,
      String version,
      List<String> modules,
      String install)
      throws ManifestProblem {
    if (version != null && !VERSION.matcher(version).matches()) {
      throw new ManifestProblem(
          file, field + ".version", "'" + version + "' is not a version like 18 or 3.9");
    }
    for (String module : modules) {
      if (!module.matches("[A-Za-z_][A-Za-z0-9_.]*")) {
        throw new ManifestProblem(
            file, field + ".modules", "'" + module + "' is not a module name");
      }
    }
    return new Manifest.Tool(
        name,
        command == null ? name : command,
        nz(version),
        modules,
        install == null ? "install " + name : install);
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  /** Field access that says which field was wrong. */
  private record Fields(String file, JsonNode node) {

    void onlyKnown(Set<String> known, String prefix) throws ManifestProblem {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        if (!known.contains(name)) {
          throw new ManifestProblem(
              file,
              prefix + name,
              "is not a known field (known: "
                  + String.join(", ", known.stream().sorted().toList())
                  + ")");
        }
      }
    }

    String text(String name, boolean required) throws ManifestProblem {
      return text(name, required, "");
    }

    String text(String name, boolean required, String prefix) throws ManifestProblem {
      JsonNode v = node.get(name);
      if (v == null || v.isNull() || (v.isValueNode() && v.asText().isBlank())) {
        if (required) {
          throw new ManifestProblem(file, prefix + name, "is required");
        }
        return null;
      }
      if (!v.isValueNode()) {
        throw new ManifestProblem(file, prefix + name, "must be text");
      }
      return v.asText();
    }

    List<String> textList(String name) throws ManifestProblem {
      return textList(name, "");
    }

    /** A list of strings; a single string counts as a list of one. */
    List<String> textList(String name, String prefix) throws ManifestProblem {
      JsonNode v = node.get(name);
      List<String> out = new ArrayList<>();
      if (v == null || v.isNull()) {
        return out;
      }
      if (v.isTextual()) {
        out.add(v.asText().strip());
        return out;
      }
      if (!v.isArray()) {
        throw new ManifestProblem(file, prefix + name, "must be text or a list of text");
      }
      for (int i = 0; i < v.size(); i++) {
        JsonNode item = v.get(i);
        if (!item.isTextual() || item.asText().isBlank()) {
          throw new ManifestProblem(file, prefix + name + "[" + i + "]", "must be non-empty text");
        }
        out.add(item.asText().strip());
      }
      return out;
    }

    int integer(String name, int fallback, int min, int max) throws ManifestProblem {
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        return fallback;
      }
      if (!v.canConvertToInt() || !v.isIntegralNumber()) {
        throw new ManifestProblem(file, name, "must be a whole number, got '" + v.asText() + "'");
      }
      int n = v.asInt();
      if (n < min || n > max) {
        throw new ManifestProblem(
            file, name, "must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    }
  }
}
