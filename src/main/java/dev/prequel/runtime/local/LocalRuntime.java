package dev.prequel.runtime.local;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs each interview's code-server as a process on this machine. Where the machine allows it
 * ({@link Isolation}), each runs in a bubblewrap {@link Sandbox} as a user of its own, inside
 * cgroup limits; otherwise it runs as Prequel's user. Either way it listens on a Unix socket in a
 * folder only Prequel reaches, without a password of its own: candidates log in at Prequel's proxy.
 * Everything about a workspace lives in its {@link InterviewFolder}; the state file there lets a
 * restarted Prequel adopt the processes it started before.
 */
public final class LocalRuntime implements WorkspaceRuntime {

  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  /** Spare folders are named so; interview ids never hold a '-'. */
  static final String SPARE_PREFIX = "spare-";

  private static final String SPARE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
  private final java.security.SecureRandom random = new java.security.SecureRandom();

  private final Path workspacesDir;
  private final Path codeServerDir;
  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Isolation isolation;
  private final SandboxPolicy policy;
  private final Cgroups cgroups;
  private final WorkspaceUsers users;
  private final Sandbox sandbox;
  private final SocketLinks sockets;
  private final SocketSeal seals;
  private final CodeServerFiles files;
  private final SetupRunner setupRunner;
  private final NpmCache npmCache;
  private final CandidateFiles candidateFiles;
  private final DiskQuota disks;
  private final Egress egress;

  /** Without sandbox or limits: each code-server runs as Prequel's user. */
  public LocalRuntime(Path workspacesDir, Path codeServerDir, Clock clock) {
    this(workspacesDir, codeServerDir, clock, Isolation.none("sandbox off"), SandboxPolicy.DEFAULT);
  }

  /**
   * @param isolation what this machine offers ({@link Isolation#detect()})
   * @param policy the operator's settings: default limits, outbound network, sandbox required
   */
  public LocalRuntime(
      Path workspacesDir,
      Path codeServerDir,
      Clock clock,
      Isolation isolation,
      SandboxPolicy policy) {
    this.workspacesDir = workspacesDir.toAbsolutePath().normalize();
    this.codeServerDir = codeServerDir;
    this.clock = clock;
    this.isolation = isolation;
    this.policy = policy;
    this.cgroups = isolation.limited() ? new Cgroups(isolation.cgroups()) : null;
    this.users =
        isolation.sandboxed()
            ? new WorkspaceUsers(this.workspacesDir, Isolation.find("useradd").orElseThrow())
            : null;
    this.setupRunner = new SetupRunner(this.workspacesDir.resolveSibling("cache").resolve("setup"));
    this.npmCache = new NpmCache(this.workspacesDir.resolveSibling("cache").resolve("npm"));
    this.egress = new Egress(this.workspacesDir.resolveSibling("netns"), isolation.sandboxed());
    this.sandbox =
        isolation.sandboxed() ? new Sandbox(isolation.bwrap(), isolation.setpriv(), egress) : null;
    this.sockets = SocketLinks.forWorkspaces(this.workspacesDir);
    this.candidateFiles =
        new CandidateFiles(
            sandbox != null
                ? new SandboxTar(
                    sandbox, codeServerDir, Isolation.find("tar").orElse(Path.of("/usr/bin/tar")))
                : new HostFiles());
    this.disks = new DiskQuota(this.workspacesDir.resolveSibling("disks"), isolation.sandboxed());
    this.seals = new SocketSeal(sockets);
    this.files = new CodeServerFiles(isolation.sandboxed());
  }

  public Isolation isolation() {
    return isolation;
  }

  public SandboxPolicy policy() {
    return policy;
  }

  @Override
  public String name() {
    return "local";
  }

  @Override
  public RuntimeDescription describe() {
    return new RuntimeDescription(
        name(),
        isolation.level(),
        isolation.sandboxed(),
        isolation.limited(),
        policy.limits(),
        isolation.sandboxed() ? policy.outbound().wireName() : "host",
        isolation.missing(),
        isolation.missing().isEmpty()
            ? ""
            : isolation.sandboxed()
                ? "cgroup v1 memory/pids/cpu must be writable under /sys/fs/cgroup"
                : Isolation.INSTALL_BUBBLEWRAP + ", and run Prequel as root");
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) throws Exception {
    InterviewFolder folder = folderOf(spec.interviewId());
    synchronized (lockFor(folder)) {
      Optional<RuntimeState> running = runningState(folder);
      if (running.isPresent()) {
        log.accept("code-server already runs (pid " + running.get().pid() + ")");
        return toWorkspace(spec.interviewId(), folder, running.get());
      }
      if (policy.required() && !isolation.sandboxed()) {
        throw new IllegalStateException(
            "PREQUEL_REQUIRE_SANDBOX is set, but this machine cannot sandbox workspaces: missing "
                + String.join("; ", isolation.missing()));
      }
      CodeServerInstall install = CodeServerInstall.at(codeServerDir);
      WorkspaceGrant grant = WorkspaceGrant.of(spec, policy);
      WorkspaceLimits limits = grant.limits();
      log.accept(disks.attach(folder, limits.diskMb())); // first: everything below goes on it
      CandidateFiles.markIfFresh(folder);
      files.prepare(folder);
      grant.write(folder.grant());
      List<String> prefix = new ArrayList<>();
      // setsid: a Ctrl-C to Prequel's terminal must not reach the workspaces; a restarted Prequel
      // adopts them. (The JVM's child is no process group leader, so setsid execs in place and the
      // pid stays the same; so do the cgroup join and bwrap.)
      Isolation.find("setsid").ifPresent(p -> prefix.add(p.toString()));
      if (cgroups != null) {
        prefix.addAll(Sandbox.joinCgroups(cgroups.create(folder.interviewId(), limits)));
      }
      RuntimeState state;
      if (sandbox != null) {
        WorkspaceUsers.User user = users.lease(folder);
        Sandbox.prepare(folder, user);
        Path socket = seals.fresh(folder, user);
        log.accept(
            "starting code-server in a sandbox as "
                + user.name()
                + " ("
                + (grant.outbound() == Outbound.NONE ? "no network" : "egress, no host network")
                + describe(limits)
                + ")"
                + grant.heldBack(spec, policy).map(why -> " (" + why + ")").orElse(""));
        if (grant.outbound() == Outbound.EGRESS) {
          log.accept(egress.attach(folder));
        }
        Process process = startSandboxed(prefix, install, folder, user, grant.outbound());
        state =
            new RuntimeState(
                process.pid(),
                0,
                process.info().startInstant().orElseGet(clock::instant),
                clock.instant(),
                socket.toString(),
                user.name(),
                user.uid());
        seals.watch(folder, user.uid(), process.toHandle());
      } else {
        SocketLinks.prepareRunFolder(folder);
        Path socket = sockets.link(folder);
        log.accept(
            "starting code-server without a sandbox ("
                + String.join("; ", isolation.missing())
                + ")");
        Process process = start(prefix, install, folder, socket);
        state =
            new RuntimeState(
                process.pid(),
                0,
                process.info().startInstant().orElseGet(clock::instant),
                clock.instant(),
                socket.toString(),
                null,
                SocketLinks.uid());
      }
      state.write(folder.state());
      log.accept("code-server started (pid " + state.pid() + "), log in " + folder.log());
      return toWorkspace(spec.interviewId(), folder, state);
    }
  }

  // ---- spares: a spare is a workspace folder named spare-…; claiming it links the interview's id
  // to that folder (workspaces/{interviewId} -> spare-…), a rename that survives a restart and
  // leaves the running code-server, its sandbox binds, cgroups and user untouched.

  @Override
  public boolean hasSpares() {
    return true;
  }

  @Override
  public Workspace startSpare(Consumer<String> log) throws Exception {
    StringBuilder id = new StringBuilder(SPARE_PREFIX);
    for (int n = 0; n < 12; n++) {
      id.append(SPARE_ALPHABET.charAt(random.nextInt(SPARE_ALPHABET.length())));
    }
    return provision(new WorkspaceSpec(id.toString()), log);
  }

  @Override
  public List<String> spares() {
    if (!Files.isDirectory(workspacesDir)) {
      return List.of();
    }
    Set<String> claimed = new java.util.HashSet<>();
    List<String> spares = new ArrayList<>();
    try (Stream<Path> entries = Files.list(workspacesDir)) {
      for (Path path : entries.sorted().toList()) {
        String name = path.getFileName().toString();
        if (Files.isSymbolicLink(path)) {
          claimed.add(linkTarget(path));
        } else if (isSpare(name) && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          spares.add(name);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list workspaces in " + workspacesDir, e);
    }
    spares.removeAll(claimed);
    return spares;
  }

  @Override
  public boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) throws Exception {
    if (!isSpare(spareId)) {
      throw new IllegalArgumentException(spareId + " is no spare id");
    }
    InterviewFolder spare = InterviewFolder.of(workspacesDir, spareId);
    Path link = InterviewFolder.of(workspacesDir, spec.interviewId()).root();
    synchronized (lockFor(spare)) {
      if (runningState(spare).isEmpty()
          || Files.exists(link, LinkOption.NOFOLLOW_LINKS)
          || !spares().contains(spareId)) {
        return false;
      }
      // The spare runs with the operator's defaults. Limits can change on a running cgroup; the
      // network and the disk cannot: a challenge that gets others than the spare starts cold.
      WorkspaceGrant grant = WorkspaceGrant.of(spec, policy);
      WorkspaceGrant spares = WorkspaceGrant.read(spare.grant(), policy);
      if (grant.outbound() != spares.outbound()
          || grant.limits().diskMb() != spares.limits().diskMb()) {
        return false;
      }
      if (cgroups != null) {
        cgroups.join(spare.interviewId(), grant.limits()); // the running groups, new limits
      }
      grant.write(spare.grant());
      try {
        Files.createSymbolicLink(link, Path.of(spareId));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
      log.accept("took a warm workspace from the pool (" + spareId + ")");
      return true;
    }
  }

  static boolean isSpare(String name) {
    return name.startsWith(SPARE_PREFIX);
  }

  /**
   * The folder that holds this id's workspace: its own, or the spare it claimed (through the link
   * named by its id).
   */
  private InterviewFolder folderOf(String id) {
    InterviewFolder named = InterviewFolder.of(workspacesDir, id);
    if (Files.isSymbolicLink(named.root())) {
      try {
        return InterviewFolder.of(workspacesDir, linkTarget(named.root()));
      } catch (IOException | IllegalArgumentException e) {
        return named; // a broken link: nothing to find; destroy removes it
      }
    }
    return named;
  }

  /** The folder name a claim's link points to (always a sibling). */
  private static String linkTarget(Path link) throws IOException {
    return Files.readSymbolicLink(link).getFileName().toString();
  }

  private String describe(WorkspaceLimits limits) {
    if (cgroups == null) {
      return "; no limits";
    }
    return "; " + limits.describe();
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws Exception {
    InterviewFolder folder = folderOf(interviewId);
    synchronized (lockFor(folder)) {
      candidateFiles.copyChallenge(folder, challengeFiles, log);
    }
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log)
      throws Exception {
    InterviewFolder folder = folderOf(interviewId);
    // Not under the folder's lock: setup may take a while, and destroy must be able to stop it.
    if (!setup.openFiles().isEmpty()) {
      files.openFiles(folder, setup.openFiles());
    }
    if (setup.commands().isEmpty()) {
      return;
    }
    SetupRunner.Launcher launcher = sandbox != null ? sandboxed(folder) : onHost(folder);
    setupRunner.run(
        folder,
        setup,
        launcher,
        candidateFiles.files(),
        CandidateFiles.takeFresh(folder),
        () -> prepareNpm(folder, setup, log),
        log);
  }

  /**
   * Before setup commands run (not when an earlier setup's folders are reused): a sandbox without
   * network cannot download, so the host fills the npm cache and hands the workspace a copy.
   */
  private void prepareNpm(InterviewFolder folder, WorkspaceSetup setup, Consumer<String> log)
      throws IOException, InterruptedException {
    // The project files come out as a stream, into a folder of Prequel's own: root never opens a
    // file in the workspace, which the candidate can change (or link to a host file).
    Files.createDirectories(npmCache.dir().getParent());
    Path project = Files.createTempDirectory(npmCache.dir().getParent(), "npm-project-");
    try {
      Optional<String> cut =
          candidateFiles
              .files()
              .pack(
                  folder,
                  List.of("package.json", "package-lock.json"),
                  Set.of(),
                  WorkspaceFiles.Bounds.PROJECT_FILES,
                  new TarToFolder(project));
      if (cut.isPresent()) {
        log.accept("npm: the package cache is not filled: " + cut.get());
        return;
      }
      if (!NpmCache.usedBy(project)) {
        return;
      }
      npmCache.fill(project, System.nanoTime() + setup.timeout().toNanos(), log);
    } finally {
      SecureTree.delete(project);
    }
    if (sandbox != null) {
      long started = System.nanoTime();
      npmCache.seed(folder, candidateFiles.files());
      log.accept(
          "npm: package cache handed to the workspace in "
              + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms");
    }
  }

  /**
   * Setup commands inside the workspace's sandbox: its user, its view of the machine, its cgroups
   * and its network, as the candidate's own terminal would run them.
   */
  private SetupRunner.Launcher sandboxed(InterviewFolder folder) {
    WorkspaceUsers.User user =
        WorkspaceUsers.of(folder)
            .orElseThrow(
                () -> new IllegalStateException(folder.interviewId() + " was never provisioned"));
    WorkspaceGrant grant = WorkspaceGrant.read(folder.grant(), policy);
    CodeServerInstall install = CodeServerInstall.at(codeServerDir);
    return new SetupRunner.Launcher() {
      @Override
      public ProcessBuilder command(String shellCommand) throws IOException {
        ProcessBuilder builder = sandboxProcess(folder, user, grant, install, shellCommand);
        SetupRunner.environment(builder.environment());
        if (grant.outbound() == Outbound.NONE) {
          builder.environment().put("npm_config_offline", "true"); // fail at once, not on timeouts
        }
        return builder;
      }
    };
  }

  /** Setup commands on the host, as Prequel's user: where there is no sandbox. */
  private SetupRunner.Launcher onHost(InterviewFolder folder) {
    return shellCommand -> {
      ProcessBuilder builder =
          new ProcessBuilder("/bin/sh", "-c", shellCommand).directory(folder.workspace().toFile());
      Map<String, String> env = builder.environment();
      Map<String, String> parent = Map.copyOf(env);
      env.clear(); // as for code-server: Prequel's secrets stay out
      env.put("PATH", parent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
      env.put("HOME", folder.root().toString());
      env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
      copyIfSet(parent, env, "USER", "LOGNAME", "TZ", "TMPDIR");
      SetupRunner.environment(env);
      env.put("npm_config_cache", npmCache.dir().toString());
      return builder;
    };
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    InterviewFolder folder = folderOf(interviewId);
    return runningState(folder).map(state -> toWorkspace(interviewId, folder, state));
  }

  @Override
  public List<Workspace> list() {
    if (!Files.isDirectory(workspacesDir)) {
      return List.of();
    }
    List<Workspace> running = new ArrayList<>();
    try (Stream<Path> entries = Files.list(workspacesDir)) {
      for (Path path : entries.sorted().toList()) {
        String name = path.getFileName().toString();
        if (Files.isSymbolicLink(path)) {
          // a claimed spare, under its interview's id
          InterviewFolder folder = folderOf(name);
          runningState(folder).ifPresent(state -> running.add(toWorkspace(name, folder, state)));
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) && !isSpare(name)) {
          InterviewFolder folder = new InterviewFolder(path);
          runningState(folder).ifPresent(state -> running.add(toWorkspace(name, folder, state)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list workspaces in " + workspacesDir, e);
    }
    return running;
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = folderOf(interviewId);
    synchronized (lockFor(folder)) {
      stopProcesses(folder, log);
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    disks.reattach(folderOf(interviewId)); // after a reboot: the kept files are on its disk
    try {
      return candidateFiles.read(folderOf(interviewId), visitor);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while reading " + interviewId);
    }
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = folderOf(interviewId);
    synchronized (lockFor(folder)) {
      stopProcesses(folder, log);
      egress.release(folder);
      disks.release(folder); // the candidate's files go with the disk's image
      if (Files.exists(folder.root())) {
        Files.deleteIfExists(folder.state());
        CandidateFiles.delete(folder);
        log.accept("removed " + folder.root());
      }
      sockets.unlink(folder);
      Files.deleteIfExists(InterviewFolder.of(workspacesDir, interviewId).root()); // a claim's link
    }
  }

  /** Stops every process of the workspace (tree, cgroups, user) and frees its cgroups. */
  private void stopProcesses(InterviewFolder folder, Consumer<String> log)
      throws InterruptedException, IOException {
    Optional<ProcessHandle> root =
        RuntimeState.read(folder.state())
            .flatMap(state -> ProcessTree.live(state.pid(), state.processStart()));
    Optional<WorkspaceUsers.User> user = WorkspaceUsers.of(folder);
    int stopped =
        ProcessTree.stop(
            root, folder.root().toString(), () -> sandboxProcesses(folder, user), STOP_GRACE);
    // A workspace stopped while it starts may fork after the others were found (bwrap setting up
    // its sandbox): whatever is still in its cgroups is stopped too, or they cannot be removed.
    for (int round = 0;
        round < 5 && cgroups != null && !cgroups.pids(folder.interviewId()).isEmpty();
        round++) {
      stopped +=
          ProcessTree.stop(
              Optional.empty(),
              folder.root().toString(),
              () -> sandboxProcesses(folder, user),
              STOP_GRACE);
    }
    if (stopped > 0) {
      log.accept("stopped " + stopped + " code-server processes");
    }
    if (cgroups != null) {
      cgroups.remove(folder.interviewId());
    }
  }

  /**
   * What the sandbox holds besides the process tree: everything in its cgroups, and every process
   * of its user (none of them may outlive the workspace, or reach the next one to lease the user).
   */
  private Set<Long> sandboxProcesses(InterviewFolder folder, Optional<WorkspaceUsers.User> user) {
    Set<Long> pids = new java.util.LinkedHashSet<>();
    if (cgroups != null) {
      pids.addAll(cgroups.pids(folder.interviewId()));
    }
    user.ifPresent(u -> pids.addAll(ProcessTree.ownedBy(u.uid())));
    return pids;
  }

  @Override
  public Optional<String> diskFull(String interviewId) {
    return disks.full(folderOf(interviewId));
  }

  @Override
  public java.util.OptionalLong memoryBytes(String interviewId) {
    InterviewFolder folder = folderOf(interviewId);
    return runningState(folder)
        .flatMap(state -> ProcessTree.live(state.pid(), state.processStart()))
        .map(
            root ->
                java.util.OptionalLong.of(
                    java.util.stream.Stream.concat(Stream.of(root), root.descendants())
                        .mapToLong(p -> ProcessTree.residentBytes(p.pid()))
                        .sum()))
        .orElse(java.util.OptionalLong.empty());
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    InterviewFolder folder = folderOf(interviewId);
    if (cgroups == null
        || RuntimeState.read(folder.state()).isEmpty()
        || runningState(folder).isPresent()) {
      return Optional.empty();
    }
    if (cgroups.oomKills(folder.interviewId()) > 0) {
      return Optional.of(
          "killed: out of memory (limit "
              + cgroups.memoryLimitMb(folder.interviewId()).map(String::valueOf).orElse("?")
              + " MiB)");
    }
    return lastLogLine(folder).map(line -> "code-server exited; its log ends: " + line);
  }

  /** The last line code-server wrote (its log holds no secret: it has no password). */
  private static Optional<String> lastLogLine(InterviewFolder folder) {
    try (Stream<String> lines = Files.lines(folder.log(), StandardCharsets.UTF_8)) {
      return lines
          .map(String::strip)
          .filter(l -> !l.isEmpty())
          .reduce((first, second) -> second)
          .map(l -> l.length() > 300 ? l.substring(0, 300) + "…" : l);
    } catch (IOException | java.io.UncheckedIOException e) {
      return Optional.empty();
    }
  }

  /**
   * How many of the workspace's processes the kernel killed for going over its memory limit; the
   * workspace itself may have survived (the biggest process is the one killed).
   */
  public long memoryKills(String interviewId) {
    return cgroups == null ? 0 : cgroups.oomKills(folderOf(interviewId).interviewId());
  }

  /**
   * Starts {@code command} in the workspace's sandbox, as its code-server runs: same user, same
   * folders, same cgroups and network. For checks and graders that run the candidate's code.
   */
  public Process exec(String interviewId, List<String> command) throws IOException {
    if (sandbox == null) {
      throw new IllegalStateException("no sandbox on this machine: " + isolation.missing());
    }
    InterviewFolder folder = folderOf(interviewId);
    WorkspaceUsers.User user =
        WorkspaceUsers.of(folder)
            .orElseThrow(() -> new IllegalStateException(interviewId + " was never provisioned"));
    ProcessBuilder builder =
        sandboxProcess(
                folder,
                user,
                WorkspaceGrant.read(folder.grant(), policy),
                CodeServerInstall.at(codeServerDir),
                null)
            .redirectErrorStream(true);
    builder.command().addAll(command);
    builder.environment().put(ProcessTree.MARKER, folder.root().toString());
    return builder.start();
  }

  /**
   * A process in the workspace's sandbox and cgroups, with the sandbox's clean environment; runs
   * {@code shellCommand} with /bin/sh, or (null) whatever the caller appends to the command.
   */
  private ProcessBuilder sandboxProcess(
      InterviewFolder folder,
      WorkspaceUsers.User user,
      WorkspaceGrant grant,
      CodeServerInstall install,
      String shellCommand)
      throws IOException {
    List<String> full = new ArrayList<>();
    if (cgroups != null) {
      full.addAll(Sandbox.joinCgroups(cgroups.join(folder.interviewId(), grant.limits())));
    }
    List<String> program =
        shellCommand == null ? List.of() : List.of("/bin/sh", "-c", shellCommand);
    full.addAll(sandbox.wrap(folder, user, install, grant.outbound(), program));
    ProcessBuilder builder = new ProcessBuilder(full).directory(folder.workspace().toFile());
    Map<String, String> env = builder.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear(); // Prequel's own secrets (database, S3, tokens) stay out
    env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
    Sandbox.environment(env, user, install.node());
    return builder;
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
                    .map(p -> ownsWorkspace(ProcessTree.commandLine(p), folder))
                    .orElse(false));
  }

  /**
   * Whether a command line is this workspace's: it names the folder. An empty one (read while the
   * process is between the execs of its start: setsid, cgroup join, bwrap) counts as ours; the
   * start time already matched. Taking a starting workspace for dead made it fail under load.
   */
  private static boolean ownsWorkspace(String commandLine, InterviewFolder folder) {
    return commandLine.isBlank() || commandLine.contains(folder.workspace().toString());
  }

  /**
   * The workspace as the proxy sees it. A sandboxed one's socket is sealed first if it is not yet
   * (a workspace adopted after a restart of Prequel); until then its endpoint leads nowhere.
   */
  private Workspace toWorkspace(String interviewId, InterviewFolder folder, RuntimeState state) {
    Integer uid =
        state.uid() != null || state.user() == null
            ? state.uid()
            : WorkspaceUsers.lookup(state.user()).map(WorkspaceUsers.User::uid).orElse(null);
    if (state.user() != null && uid != null) {
      seals.sealIfReady(folder, uid);
    }
    return state.toWorkspace(interviewId, uid == null ? Workspace.ANY_PEER : uid);
  }

  private static Process start(
      List<String> prefix, CodeServerInstall install, InterviewFolder folder, Path socket)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        List.of(
            install.node().toString(),
            install.entry().toString(),
            "--config",
            folder.config().toString(),
            "--auth",
            "none",
            "--socket",
            socket.toString(),
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--user-data-dir",
            folder.userData().toString(),
            "--extensions-dir",
            folder.extensions().toString(),
            folder.workspace().toString()));
    ProcessBuilder builder = builder(command, folder);
    Map<String, String> env = builder.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear(); // Prequel's own secrets (database, S3, tokens) stay out of the candidate's
    // terminal
    env.put("PATH", parent.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
    env.put("HOME", folder.root().toString());
    copyIfSet(parent, env, "USER", "LOGNAME", "TZ", "TMPDIR");
    return start(builder, parent, folder);
  }

  private Process startSandboxed(
      List<String> prefix,
      CodeServerInstall install,
      InterviewFolder folder,
      WorkspaceUsers.User user,
      Outbound outbound)
      throws IOException {
    String entry = Sandbox.CODE_SERVER + "/" + install.dir().relativize(install.entry());
    List<String> codeServer =
        List.of(
            install.node().toString(),
            entry,
            "--config",
            Sandbox.CONFIG,
            "--auth",
            "none",
            "--socket",
            Sandbox.SOCKET,
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--user-data-dir",
            Sandbox.USER_DATA,
            "--extensions-dir",
            Sandbox.EXTENSIONS,
            Sandbox.WORKSPACE);
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        sandbox.wrap(folder, user, install, outbound, CodeServerFiles.seedingSettings(codeServer)));
    ProcessBuilder builder = builder(command, folder);
    Map<String, String> env = builder.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear(); // Prequel's own secrets (database, S3, tokens) stay out of the candidate's
    // terminal
    Sandbox.environment(env, user, install.node());
    copyIfSet(parent, env, "TZ");
    return start(builder, parent, folder);
  }

  private static ProcessBuilder builder(List<String> command, InterviewFolder folder) {
    return new ProcessBuilder(command)
        .directory(folder.workspace().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.log().toFile()));
  }

  private static Process start(
      ProcessBuilder builder, Map<String, String> parent, InterviewFolder folder)
      throws IOException {
    Map<String, String> env = builder.environment();
    env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
    env.put("SHELL", Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh");
    env.put(ProcessTree.MARKER, folder.root().toString());
    return builder.start();
  }

  private static void copyIfSet(Map<String, String> from, Map<String, String> to, String... names) {
    for (String name : names) {
      if (from.containsKey(name)) {
        to.put(name, from.get(name));
      }
    }
  }
}
