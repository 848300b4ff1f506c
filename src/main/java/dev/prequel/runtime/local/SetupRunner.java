package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceSetup;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a challenge's setup commands in a workspace folder, with the same clean environment as the
 * candidate's code-server, streaming output lines to the interview's log.
 */
final class SetupRunner {

  /** More lines than this are counted, not logged: the log is for people. */
  private static final int MAX_LOGGED_LINES = 400;

  private final Path npmCache;
  private final Path reuseCache;

  /**
   * @param npmCache one npm cache shared by all workspaces: {@code npm ci} then copies packages
   *     from disk instead of downloading them (npm checks each package's integrity hash from the
   *     lockfile, so a tampered cache entry is refused)
   */
  SetupRunner(Path npmCache, Path reuseCache) {
    this.npmCache = npmCache;
    this.reuseCache = reuseCache;
  }

  /**
   * Runs the setup, or, when an earlier workspace of the same challenge version already made the
   * folders the setup declares reusable, copies those instead (a copy, not hard links: the
   * candidate may edit them).
   */
  void run(InterviewFolder folder, WorkspaceSetup setup, Consumer<String> log)
      throws IOException, InterruptedException {
    Path kept = reuseCache.resolve(setup.version());
    if (!setup.reuse().isEmpty() && Files.isRegularFile(kept.resolve(COMPLETE))) {
      long started = System.nanoTime();
      for (String path : setup.reuse()) {
        Path from = kept.resolve(path);
        if (Files.exists(from) && !Files.exists(folder.workspace().resolve(path))) {
          Trees.copy(from, folder.workspace().resolve(path));
        }
      }
      log.accept(
          "setup: reused "
              + String.join(", ", setup.reuse())
              + " from an earlier setup of this challenge ("
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms)");
      return;
    }
    runCommands(folder, setup, log);
    if (!setup.reuse().isEmpty()) {
      keep(folder, setup, kept);
    }
  }

  private static final String COMPLETE = ".complete";

  /** Saves the reusable folders; another workspace finishing first is fine (same content). */
  private void keep(InterviewFolder folder, WorkspaceSetup setup, Path kept) throws IOException {
    Files.createDirectories(reuseCache);
    Path incoming = Files.createTempDirectory(reuseCache, ".incoming-");
    try {
      for (String path : setup.reuse()) {
        Path from = folder.workspace().resolve(path);
        if (Files.exists(from)) {
          Trees.copy(from, incoming.resolve(path));
        }
      }
      Files.writeString(incoming.resolve(COMPLETE), "");
      try {
        Files.move(incoming, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // kept by another workspace meanwhile
      }
    } finally {
      Trees.delete(incoming);
    }
  }

  private void runCommands(InterviewFolder folder, WorkspaceSetup setup, Consumer<String> log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + setup.timeout().toNanos();
    Files.createDirectories(npmCache);
    for (String command : setup.commands()) {
      log.accept("$ " + command);
      long started = System.nanoTime();
      ProcessBuilder builder =
          new ProcessBuilder("/bin/sh", "-c", command)
              .directory(folder.workspace().toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true);
      Map<String, String> env = builder.environment();
      Map<String, String> parent = Map.copyOf(env);
      env.clear(); // as for code-server: Prequel's secrets stay out
      env.put("PATH", parent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
      env.put("HOME", folder.root().toString());
      env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
      env.put("CI", "true"); // tools print plain progress, no spinners
      env.put("npm_config_cache", npmCache.toString());
      env.put("npm_config_prefer_offline", "true");
      env.put("npm_config_audit", "false");
      env.put("npm_config_fund", "false");
      env.put("npm_config_update_notifier", "false");
      for (String name : List.of("USER", "LOGNAME", "TZ", "TMPDIR")) {
        if (parent.containsKey(name)) {
          env.put(name, parent.get(name));
        }
      }
      env.put(ProcessTree.MARKER, folder.root().toString());
      Process process = builder.start();
      AtomicInteger lines = new AtomicInteger();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    if (lines.incrementAndGet() <= MAX_LOGGED_LINES && !line.isBlank()) {
                      log.accept("  " + line);
                    }
                  }
                } catch (IOException e) {
                  // the process ended; nothing more to read
                }
              },
              "setup-output-" + folder.interviewId());
      reader.setDaemon(true);
      reader.start();
      long left = deadline - System.nanoTime();
      if (!process.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        reader.join(2000);
        throw new IllegalStateException(
            "setup did not finish within "
                + setup.timeout().toSeconds()
                + " s (stopped at: "
                + command
                + ")");
      }
      reader.join(5000);
      if (lines.get() > MAX_LOGGED_LINES) {
        log.accept("  … " + (lines.get() - MAX_LOGGED_LINES) + " more lines not shown");
      }
      int exit = process.exitValue();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (exit != 0) {
        throw new IllegalStateException(
            "setup command '" + command + "' failed with exit code " + exit + " (output above)");
      }
      log.accept("setup command finished in " + ms + " ms");
    }
  }
}
