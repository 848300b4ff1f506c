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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs a challenge's setup commands in a workspace, streaming output lines to the interview's log.
 * Where the workspace is sandboxed, each command runs inside its sandbox ({@link Launcher}): as the
 * candidate's user, with the workspace's view of the machine, its limits and its network.
 */
final class SetupRunner {

  /** More lines than this are counted, not logged: the log is for people. */
  private static final int MAX_LOGGED_LINES = 400;

  private static final String COMPLETE = ".complete";

  /** Starts one setup command (a shell command line) where the workspace's processes run. */
  interface Launcher {
    /** The process, not yet started; its working folder is the workspace. */
    ProcessBuilder command(String shellCommand) throws IOException;
  }

  /** Work done before the commands run, and only then (e.g. filling a package cache). */
  interface BeforeCommands {
    void run() throws IOException, InterruptedException;
  }

  private final Path reuseCache;

  SetupRunner(Path reuseCache) {
    this.reuseCache = reuseCache;
  }

  /**
   * Runs the setup, or, when an earlier workspace of the same challenge version already made the
   * folders the setup declares reusable, copies those instead (a copy, not hard links: the
   * candidate may edit them). {@code before} runs only when the commands do.
   *
   * <p>Both copies are tar streams ({@link WorkspaceFiles}): into the workspace as its user, and
   * out of it into the cache, which Prequel writes itself from the stream without following
   * anything. The cache is filled only from a {@code fresh} workspace, one provision made anew and
   * that had no setup before: no candidate has been in it, so none can poison later interviews.
   */
  void run(
      InterviewFolder folder,
      WorkspaceSetup setup,
      Launcher launcher,
      WorkspaceFiles files,
      boolean fresh,
      BeforeCommands before,
      Consumer<String> log)
      throws IOException, InterruptedException {
    Path kept = reuseCache.resolve(setup.version());
    if (!setup.reuse().isEmpty() && Files.isRegularFile(kept.resolve(COMPLETE))) {
      long started = System.nanoTime();
      files.unpack(
          folder,
          WorkspaceFiles.Place.WORKSPACE,
          FolderTar.of(kept, name -> !name.equals(COMPLETE) && underOrAbove(name, setup.reuse())));
      log.accept(
          "setup: reused "
              + String.join(", ", setup.reuse())
              + " from an earlier setup of this challenge ("
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms)");
      return;
    }
    before.run();
    runCommands(folder, setup, launcher, log);
    if (!setup.reuse().isEmpty()) {
      if (fresh) {
        keep(folder, setup, kept, files, log);
      } else {
        log.accept("setup: not kept for reuse (the workspace was not new)");
      }
    }
  }

  /** Whether a path is one of the reusable folders, inside one, or a folder holding one. */
  static boolean underOrAbove(String name, List<String> reuse) {
    for (String path : reuse) {
      String p = WorkspaceFiles.checkedRelative(path).substring(2);
      if (name.equals(p) || name.startsWith(p + "/") || p.startsWith(name + "/")) {
        return true;
      }
    }
    return false;
  }

  /** Saves the reusable folders; another workspace finishing first is fine (same content). */
  private void keep(
      InterviewFolder folder,
      WorkspaceSetup setup,
      Path kept,
      WorkspaceFiles files,
      Consumer<String> log)
      throws IOException, InterruptedException {
    Files.createDirectories(reuseCache);
    Path incoming = Files.createTempDirectory(reuseCache, ".incoming-");
    try {
      Optional<String> cut =
          files.pack(
              folder,
              setup.reuse(),
              Set.of(),
              WorkspaceFiles.Bounds.REUSE_CACHE,
              new TarToFolder(incoming));
      if (cut.isPresent()) {
        log.accept("setup: not kept for reuse: " + cut.get());
        return;
      }
      Files.writeString(incoming.resolve(COMPLETE), "");
      try {
        Files.move(incoming, kept, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        // kept by another workspace meanwhile
      }
    } finally {
      SecureTree.delete(incoming);
    }
  }

  private void runCommands(
      InterviewFolder folder, WorkspaceSetup setup, Launcher launcher, Consumer<String> log)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + setup.timeout().toNanos();
    for (String command : setup.commands()) {
      log.accept("$ " + command);
      long started = System.nanoTime();
      ProcessBuilder builder =
          launcher
              .command(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true);
      builder.environment().put(ProcessTree.MARKER, folder.root().toString());
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
        // The sandbox's processes are all descendants (bubblewrap's pid namespace keeps them so).
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
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

  /** The environment setup commands share, beside the launcher's own. */
  static void environment(Map<String, String> env) {
    env.put("CI", "true"); // tools print plain progress, no spinners
    env.put("npm_config_prefer_offline", "true");
    env.put("npm_config_audit", "false");
    env.put("npm_config_fund", "false");
    env.put("npm_config_update_notifier", "false");
  }
}
