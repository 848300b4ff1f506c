package dev.prequel.runtime.local;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs each interview's code-server as a process on this machine, listening on a free port of
 * 127.0.0.1. Everything about a workspace lives in its {@link InterviewFolder}; the state file
 * there lets a restarted Prequel adopt the processes it started before.
 */
public final class LocalRuntime implements WorkspaceRuntime {

  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final String CHALLENGE_METADATA = "challenge.yaml";

  private final Path workspacesDir;
  private final Path codeServerDir;
  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public LocalRuntime(Path workspacesDir, Path codeServerDir, Clock clock) {
    this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
    this.codeServerDir = codeServerDir;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) throws Exception {
    InterviewFolder folder = InterviewFolder.of(workspacesDir, spec.interviewId());
    synchronized (lockFor(folder)) {
      Optional<RuntimeState> running = runningState(folder);
      if (running.isPresent()) {
        log.accept(
            "code-server already runs on port "
                + running.get().port()
                + " (pid "
                + running.get().pid()
                + ")");
        return toWorkspace(folder, running.get());
      }
      CodeServerInstall install = CodeServerInstall.at(codeServerDir);
      prepareFolder(folder);
      int port = freePort();
      log.accept("starting code-server on port " + port);
      Process process = start(install, folder, port, spec.password());
      Instant processStart = process.info().startInstant().orElseGet(clock::instant);
      RuntimeState state = new RuntimeState(process.pid(), port, processStart, clock.instant());
      state.write(folder.state());
      log.accept("code-server started (pid " + process.pid() + "), log in " + folder.log());
      return toWorkspace(folder, state);
    }
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws Exception {
    InterviewFolder folder = InterviewFolder.of(workspacesDir, interviewId);
    synchronized (lockFor(folder)) {
      Path target = folder.workspace();
      Files.createDirectories(target);
      int copied = 0;
      int kept = 0;
      List<Path> sources;
      try (Stream<Path> walk = Files.walk(challengeFiles)) {
        sources = walk.sorted().toList();
      }
      for (Path source : sources) {
        Path relative = challengeFiles.relativize(source);
        if (relative.toString().isEmpty() || relative.toString().equals(CHALLENGE_METADATA)) {
          continue;
        }
        Path destination = target.resolve(relative.toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(destination);
        } else if (Files.exists(destination)) {
          kept++; // the candidate may have changed it: never overwrite
        } else {
          Files.copy(source, destination);
          copied++;
        }
      }
      log.accept(
          "copied "
              + copied
              + " challenge files into the workspace"
              + (kept > 0 ? ", kept " + kept + " existing" : ""));
    }
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    InterviewFolder folder = InterviewFolder.of(workspacesDir, interviewId);
    return runningState(folder).map(state -> toWorkspace(folder, state));
  }

  @Override
  public List<Workspace> list() {
    if (!Files.isDirectory(workspacesDir)) {
      return List.of();
    }
    List<Workspace> running = new ArrayList<>();
    try (Stream<Path> folders = Files.list(workspacesDir)) {
      for (Path path : folders.filter(Files::isDirectory).sorted().toList()) {
        InterviewFolder folder = new InterviewFolder(path);
        runningState(folder).ifPresent(state -> running.add(toWorkspace(folder, state)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list workspaces in " + workspacesDir, e);
    }
    return running;
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = InterviewFolder.of(workspacesDir, interviewId);
    synchronized (lockFor(folder)) {
      stopProcesses(folder, log);
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    Path root = InterviewFolder.of(workspacesDir, interviewId).workspace();
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return dir.equals(root) || visitor.enterFolder(relative(root, dir))
                ? FileVisitResult.CONTINUE
                : FileVisitResult.SKIP_SUBTREE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isRegularFile()) {
              try {
                visitor.file(
                    relative(root, file),
                    attrs.size(),
                    Files.isExecutable(file),
                    () -> Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS));
              } catch (NoSuchFileException e) {
                // deleted by the candidate while we walked: the next snapshot sees it gone
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return true;
  }

  private static String relative(Path root, Path path) {
    return root.relativize(path).toString().replace(File.separatorChar, '/');
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = InterviewFolder.of(workspacesDir, interviewId);
    synchronized (lockFor(folder)) {
      stopProcesses(folder, log);
      if (Files.exists(folder.root())) {
        Files.deleteIfExists(folder.state());
        deleteCandidateFiles(folder);
        deleteRecursively(folder.root());
        log.accept("removed " + folder.root());
      }
    }
  }

  private static void stopProcesses(InterviewFolder folder, Consumer<String> log)
      throws InterruptedException {
    Optional<ProcessHandle> root =
        RuntimeState.read(folder.state())
            .flatMap(state -> ProcessTree.live(state.pid(), state.processStart()));
    int stopped = ProcessTree.stop(root, folder.root().toString(), STOP_GRACE);
    if (stopped > 0) {
      log.accept("stopped " + stopped + " code-server processes");
    }
  }

  /**
   * Removes the candidate's files. The lifecycle archives them first (stop, final snapshot, then
   * destroy).
   */
  private static void deleteCandidateFiles(InterviewFolder folder) throws IOException {
    // Renamed first: a crash halfway through deleting must not leave half the files for a snapshot.
    Path removed = folder.root().resolve("workspace.removed");
    if (Files.exists(folder.workspace(), LinkOption.NOFOLLOW_LINKS)) {
      deleteRecursively(removed);
      Files.move(folder.workspace(), removed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    deleteRecursively(removed);
  }

  private Object lockFor(InterviewFolder folder) {
    return locks.computeIfAbsent(folder.interviewId(), id -> new Object());
  }

  /**
   * The state of this folder's code-server if it still runs: same pid, same start, same workspace
   * folder.
   */
  private static Optional<RuntimeState> runningState(InterviewFolder folder) {
    return RuntimeState.read(folder.state())
        .filter(
            state ->
                ProcessTree.live(state.pid(), state.processStart())
                    .map(p -> ProcessTree.commandLine(p).contains(folder.workspace().toString()))
                    .orElse(false));
  }

  private static Workspace toWorkspace(InterviewFolder folder, RuntimeState state) {
    return new Workspace(
        folder.interviewId(), URI.create("http://127.0.0.1:" + state.port()), state.startedAt());
  }

  private static void prepareFolder(InterviewFolder folder) throws IOException {
    Files.createDirectories(folder.workspace());
    Files.createDirectories(folder.extensions());
    Files.createDirectories(folder.userSettings().getParent());
    // Written once: a re-provision keeps what the candidate changed in their settings.
    if (!Files.exists(folder.userSettings())) {
      Files.writeString(
          folder.userSettings(), CodeServerSettings.USER_SETTINGS, StandardCharsets.UTF_8);
    }
    Files.writeString(folder.config(), CodeServerSettings.CONFIG_FILE, StandardCharsets.UTF_8);
  }

  private static Process start(
      CodeServerInstall install, InterviewFolder folder, int port, String password)
      throws IOException {
    List<String> command = new ArrayList<>();
    // setsid: a Ctrl-C to Prequel's terminal must not reach the workspaces; a restarted Prequel
    // adopts them.
    // (The JVM's child is no process group leader, so setsid execs in place and the pid stays the
    // same.)
    CodeServerInstall.findOnPath("setsid", System.getenv("PATH"))
        .ifPresent(p -> command.add(p.toString()));
    command.addAll(
        List.of(
            install.node().toString(),
            install.entry().toString(),
            "--config",
            folder.config().toString(),
            "--auth",
            "password",
            "--bind-addr",
            "127.0.0.1:" + port,
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--user-data-dir",
            folder.userData().toString(),
            "--extensions-dir",
            folder.extensions().toString(),
            folder.workspace().toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(folder.workspace().toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.log().toFile()));
    Map<String, String> env = builder.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear(); // Prequel's own secrets (database, S3, tokens) stay out of the candidate's
    // terminal
    env.put("PATH", parent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    env.put("HOME", folder.root().toString());
    env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
    env.put("SHELL", Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh");
    copyIfSet(parent, env, "USER", "LOGNAME", "TZ", "TMPDIR");
    env.put(ProcessTree.MARKER, folder.root().toString());
    env.put("PASSWORD", password); // code-server reads it and removes it from its own environment
    return builder.start();
  }

  private static void copyIfSet(Map<String, String> from, Map<String, String> to, String... names) {
    for (String name : names) {
      if (from.containsKey(name)) {
        to.put(name, from.get(name));
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
