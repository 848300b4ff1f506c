package dev.prequel.challenge;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this host has the tools challenges ask for: the program, its version, its Python modules.
 * Answers are remembered for a minute, as the portal asks on every page.
 */
public final class HostTools {

  /** A tool a challenge needs and this host lacks, with how to install it. */
  public record Missing(String tool, String reason, String install) {
    @Override
    public String toString() {
      return tool + ": " + reason;
    }
  }

  private static final Duration REMEMBER = Duration.ofMinutes(1);
  private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

  private record Answer(Optional<Missing> missing, Instant at) {}

  private final Clock clock;
  private final String path;
  private final Map<Manifest.Tool, Answer> answers = new ConcurrentHashMap<>();

  public HostTools(Clock clock) {
    this(clock, System.getenv("PATH"));
  }

  HostTools(Clock clock, String path) {
    this.clock = clock;
    this.path = path == null ? "/usr/local/bin:/usr/bin:/bin" : path;
  }

  /** What of these the host lacks; empty when it has them all. */
  public List<Missing> missing(List<Manifest.Tool> tools) {
    List<Missing> missing = new ArrayList<>();
    for (Manifest.Tool tool : tools) {
      Instant now = clock.instant();
      Answer a = answers.get(tool);
      if (a == null || a.at().plus(REMEMBER).isBefore(now)) {
        a = new Answer(check(tool), now);
        answers.put(tool, a);
      }
      a.missing().ifPresent(missing::add);
    }
    return missing;
  }

  private Optional<Missing> check(Manifest.Tool tool) {
    Optional<Path> program = locate(tool.command());
    if (program.isEmpty()) {
      return Optional.of(
          new Missing(tool.describe(), tool.command() + " is not installed", tool.install()));
    }
    String exe = program.get().toString();
    if (!tool.minVersion().isEmpty()) {
      Optional<String> out = run(exe, "--version");
      Optional<String> found = out.flatMap(HostTools::firstVersion);
      if (found.isEmpty()) {
        return Optional.of(
            new Missing(tool.describe(), exe + " --version shows no version", tool.install()));
      }
      if (compare(found.get(), tool.minVersion()) < 0) {
        return Optional.of(
            new Missing(
                tool.describe(),
                exe + " is version " + found.get() + ", older than " + tool.minVersion(),
                tool.install()));
      }
    }
    List<String> absent = new ArrayList<>();
    for (String module : tool.modules()) {
      if (run(exe, "-c", "import " + module).isEmpty()) {
        absent.add(module);
      }
    }
    if (!absent.isEmpty()) {
      return Optional.of(
          new Missing(
              tool.describe(),
              exe + " cannot import " + String.join(", ", absent),
              tool.install()));
    }
    return Optional.empty();
  }

  private Optional<Path> locate(String command) {
    if (command.contains("/")) {
      Path p = Path.of(command);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (String dir : path.split(Pattern.quote(File.pathSeparator), -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return Optional.of(Path.of(dir, command));
      }
    }
    return Optional.empty();
  }

  /** The command's output when it exits with 0 within 10 s. */
  private static Optional<String> run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readNBytes(64 * 1024);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return p.exitValue() == 0
          ? Optional.of(new String(out, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  static Optional<String> firstVersion(String text) {
    Matcher m = VERSION.matcher(text);
    return m.find() ? Optional.of(m.group()) : Optional.empty();
  }

  /** Compares dotted versions numerically: 20.1 &gt; 18, 3.11 &gt; 3.9. */
  static int compare(String a, String b) {
    String[] x = a.split("\\.", -1);
    String[] y = b.split("\\.", -1);
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int p = i < x.length ? Integer.parseInt(x[i]) : 0;
      int q = i < y.length ? Integer.parseInt(y[i]) : 0;
      if (p != q) {
        return Integer.compare(p, q);
      }
    }
    return 0;
  }
}
