package dev.prequel.challenge;

import dev.prequel.runtime.CleanEnvironment;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether this host has the tools challenges ask for: the program, its version, its Python modules.
 * Answers are remembered for a minute, as the portal asks on every page.
 *
 * <p>A manifest comes from whoever uploads a challenge, so its {@code command} is not trusted: a
 * bare name is looked up in the operator's PATH, an absolute path is accepted only in one of those
 * folders or under a folder of {@code PREQUEL_TOOL_PATHS}, and the checks ({@code --version},
 * {@code -c "import m"}) never run as root or with Prequel's environment: as root, they run as
 * {@code nobody} with no capabilities, no supplementary groups and no way to gain privileges, with
 * an environment of PATH, HOME and LANG only, in {@code /}, for at most 10 s and 64 KiB of output.
 * (An uploaded manifest naming its own script ran it as root with the S3 keys: issue 11.)
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

  /** Folders the checks' own PATH holds: the system's, never Prequel's. */
  static final String SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_OUTPUT = 64 * 1024;

  private final Clock clock;
  private final String path;
  private final List<Path> allowed;
  private final Optional<List<String>> runAs;
  private final boolean checked;

  /** What a check depends on: the tool, and where and as whom it is looked up. */
  private record Question(
      Manifest.Tool tool, String path, List<Path> allowed, Optional<List<String>> runAs) {}

  /**
   * Shared by every instance in this JVM: the host is the same for all of them. (Production has
   * one; the tests start dozens of Prequels, and each one's first page ran the same Python imports,
   * seconds of CPU each.)
   */
  private static final Map<Question, Answer> ANSWERS = new ConcurrentHashMap<>();

  /** The operator's PATH and {@code PREQUEL_TOOL_PATHS} (folders, separated by ':'). */
  public HostTools(Clock clock) {
    this(clock, System.getenv("PATH"), toolPaths(System.getenv("PREQUEL_TOOL_PATHS")));
  }

  /**
   * The checks that mean something for this runtime: only the local runtime runs workspaces with
   * this host's tools. The container runtimes run them from the workspace image, which holds the
   * tools of every shipped environment, so this host lacking Python says nothing there (inside
   * Prequel's own image every shipped challenge was reported unusable).
   */
  public static HostTools forRuntime(String runtime, Clock clock) {
    return "local".equals(runtime) ? new HostTools(clock) : new HostTools(clock, false);
  }

  private HostTools(Clock clock, boolean checked) {
    this.clock = clock;
    this.path = SYSTEM_PATH;
    this.allowed = List.of();
    this.runAs = Optional.empty();
    this.checked = checked;
  }

  /**
   * @param path where bare names are looked up (the operator's PATH)
   * @param allowed folders whose programs a manifest may also name by absolute path
   */
  public HostTools(Clock clock, String path, List<Path> allowed) {
    this.clock = clock;
    this.path = path == null ? SYSTEM_PATH : path;
    this.allowed = allowed.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.runAs = Unprivileged.prefix();
    this.checked = true;
  }

  /** {@code PREQUEL_TOOL_PATHS}: absolute folders separated by ':'; blank: none. */
  private static List<Path> toolPaths(String value) {
    List<Path> paths = new ArrayList<>();
    if (value != null) {
      for (String part : value.split(":", -1)) {
        if (part.startsWith("/")) {
          paths.add(Path.of(part.strip()));
        }
      }
    }
    return paths;
  }

  /** What of these the host lacks; empty when it has them all. */
  public List<Missing> missing(List<Manifest.Tool> tools) {
    List<Missing> missing = new ArrayList<>();
    if (!checked) {
      return missing;
    }
    for (Manifest.Tool tool : tools) {
      Instant now = clock.instant();
      Question q = new Question(tool, path, allowed, runAs);
      Answer a = ANSWERS.get(q);
      // an answer from another instance's clock that is ahead of this one's counts as old
      if (a == null || a.at().plus(REMEMBER).isBefore(now) || a.at().isAfter(now)) {
        a = new Answer(check(tool), now);
        ANSWERS.put(q, a);
      }
      a.missing().ifPresent(missing::add);
    }
    return missing;
  }

  private Optional<Missing> check(Manifest.Tool tool) {
    if (tool.command().contains("/") && !isAllowed(Path.of(tool.command()))) {
      return Optional.of(
          new Missing(
              tool.describe(),
              tool.command()
                  + " is not in a folder of PATH or PREQUEL_TOOL_PATHS; Prequel does not run it",
              tool.install()));
    }
    Optional<Path> program = locate(tool.command());
    if (program.isEmpty()) {
      return Optional.of(
          new Missing(tool.describe(), tool.command() + " is not installed", tool.install()));
    }
    String exe = program.get().toString();
    if (!tool.minVersion().isEmpty()) {
      Optional<String> out = run(List.of(exe, "--version"));
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
      if (run(List.of(exe, "-c", "import " + module)).isEmpty()) {
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

  /**
   * An absolute path is allowed in a folder of the operator's PATH, or anywhere under a folder of
   * PREQUEL_TOOL_PATHS. (Both are the operator's: a challenge's author cannot put a program there.)
   */
  private boolean isAllowed(Path program) {
    if (!program.isAbsolute()) {
      return false;
    }
    Path normal = program.normalize();
    Path folder = normal.getParent();
    for (String dir : path.split(Pattern.quote(File.pathSeparator), -1)) {
      if (dir.startsWith("/") && Path.of(dir).normalize().equals(folder)) {
        return true;
      }
    }
    return allowed.stream().anyMatch(normal::startsWith);
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

  /**
   * The command's output when it exits with 0 within 10 s: unprivileged, in an empty environment,
   * its output read on another thread so that a program that never ends cannot hold the caller.
   */
  private Optional<String> run(List<String> command) {
    if (runAs.isEmpty()) {
      return Optional.empty(); // root without setpriv or nobody: run nothing
    }
    List<String> full = new ArrayList<>(runAs.get());
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(new File("/"))
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true);
    Map<String, String> env = CleanEnvironment.of(builder);
    Path folder = Path.of(command.get(0)).getParent();
    env.put("PATH", folder + ":" + SYSTEM_PATH);
    env.put("HOME", "/nonexistent");
    Process p;
    try {
      p = builder.start();
    } catch (IOException e) {
      return Optional.empty();
    }
    CompletableFuture<byte[]> out =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = p.getInputStream()) {
                byte[] kept = in.readNBytes(MAX_OUTPUT);
                in.transferTo(OutputStream.nullOutputStream()); // the rest, unkept
                return kept;
              } catch (IOException e) {
                return new byte[0];
              }
            });
    try {
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        return Optional.empty();
      }
      byte[] bytes = out.get(1, TimeUnit.SECONDS); // a child still holding the pipe: no answer
      return p.exitValue() == 0
          ? Optional.of(new String(bytes, StandardCharsets.UTF_8))
          : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
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
      // BigInteger: a program's output may hold any run of digits (a path, an id)
      BigInteger p = i < x.length ? new BigInteger(x[i]) : BigInteger.ZERO;
      BigInteger q = i < y.length ? new BigInteger(y[i]) : BigInteger.ZERO;
      if (!p.equals(q)) {
        return p.compareTo(q);
      }
    }
    return 0;
  }
}
