package dev.prequel.runtime.local;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.SpareIds;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceClock;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Runs each interview's code-server as a process on this machine. Where the machine allows it
 * ({@link Isolation}), each runs in a bubblewrap {@link Sandbox} as a user of its own, inside
 * cgroup limits; otherwise it runs as Prequel's user. Either way it listens on a Unix socket in a
 * folder only Prequel reaches, without a password of its own: candidates log in at Prequel's proxy.
 * All of a workspace is in its {@link InterviewFolder}, whose state file lets Prequel adopt it.
 */
public final class LocalRuntime implements WorkspaceRuntime {

  private final Clock clock;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Isolation isolation;
  private final SandboxPolicy policy;
  private final Cgroups cgroups;
  private final WorkspaceUsers users;
  private final WorkspaceFolders folders;
  private final WorkspaceProcesses processes;
  private final CodeServerLaunch launch;
  private final SocketLinks sockets;
  private final SocketSeal seals;
  private final SealWatch sealWatch;
  private final CodeServerFiles files;
  private final SetupRunner setupRunner;
  private final NpmCache npmCache;
  private final CandidateFiles candidateFiles;
  private final DiskQuota disks;
  private final WorkspaceReads reads;
  private final Egress egress;
  private final boolean sandboxed;

  /** Without sandbox or limits: each code-server runs as Prequel's user. */
  public LocalRuntime(Path workspacesDir, Path codeServerDir, Clock clock) {
    this(workspacesDir, codeServerDir, clock, Isolation.none("sandbox off"), SandboxPolicy.DEFAULT);
  }

  /** With what this machine offers ({@link Isolation#detect()}) and the operator's policy. */
  public LocalRuntime(
      Path workspacesDir,
      Path codeServerDir,
      Clock clock,
      Isolation isolation,
      SandboxPolicy policy) {
    Path dir = workspacesDir.toAbsolutePath().normalize();
    this.clock = clock;
    this.isolation = isolation;
    this.policy = policy;
    this.sandboxed = isolation.sandboxed();
    this.folders = new WorkspaceFolders(dir);
    this.cgroups = isolation.limited() ? new Cgroups(isolation.cgroups()) : null;
    this.processes = new WorkspaceProcesses(cgroups);
    this.users =
        sandboxed ? new WorkspaceUsers(dir, Isolation.find("useradd").orElseThrow()) : null;
    this.setupRunner = new SetupRunner(dir.resolveSibling("cache").resolve("setup"));
    this.npmCache = new NpmCache(dir.resolveSibling("cache").resolve("npm"));
    this.egress = new Egress(dir.resolveSibling("netns"), sandboxed);
    Sandbox sandbox =
        sandboxed ? new Sandbox(isolation.bwrap(), isolation.setpriv(), egress) : null;
    this.launch = new CodeServerLaunch(codeServerDir, sandbox, cgroups, policy, npmCache.dir());
    this.sockets = SocketLinks.forWorkspaces(dir);
    this.candidateFiles =
        new CandidateFiles(
            sandbox != null ? new SandboxTar(sandbox, codeServerDir) : new HostFiles());
    this.disks = new DiskQuota(dir.resolveSibling("disks"), sandboxed);
    this.reads = new WorkspaceReads(folders, disks, candidateFiles);
    this.seals = new SocketSeal(sockets);
    this.sealWatch = new SealWatch(seals);
    this.files = new CodeServerFiles(sandboxed);
  }

  @Override
  public void onListening(Consumer<String> listener) {
    sealWatch.onListening(listener); // spares' are left out: nobody waits on them
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
    InterviewFolder folder = folders.of(spec.interviewId());
    synchronized (lockFor(folder)) {
      launch.give(spec.interviewId(), spec.secrets()); // its environment (CodeServerLaunch)
      Optional<RuntimeState> running = WorkspaceProcesses.running(folder);
      if (running.isPresent()) {
        log.accept("code-server already runs (pid " + running.get().pid() + ")");
        return toWorkspace(spec.interviewId(), folder, running.get());
      }
      if (policy.required() && !sandboxed) {
        throw new IllegalStateException(
            "PREQUEL_REQUIRE_SANDBOX is set, but this machine cannot sandbox workspaces: missing "
                + String.join("; ", isolation.missing()));
      }
      CodeServerInstall install = launch.install();
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
      if (sandboxed) {
        WorkspaceUsers.User user = users.lease(folder);
        Sandbox.prepare(folder, user);
        Path socket = seals.fresh(folder, user);
        log.accept(
            "starting code-server in a sandbox as "
                + user.name()
                + " ("
                + (grant.outbound() == Outbound.NONE ? "no network" : "egress, no host network")
                + (cgroups == null ? "; no limits" : "; " + limits.describe())
                + ")"
                + grant.heldBack(spec, policy).map(why -> " (" + why + ")").orElse(""));
        if (grant.outbound() == Outbound.EGRESS) {
          log.accept(egress.attach(folder));
        }
        Process process = launch.sandboxed(prefix, install, folder, user, grant.outbound());
        state = started(process, socket, user.name(), user.uid());
        sealWatch.watch(folder, user.uid(), process.toHandle(), log);
      } else {
        SocketLinks.prepareRunFolder(folder);
        Path socket = sockets.link(folder);
        log.accept(
            "starting code-server without a sandbox ("
                + String.join("; ", isolation.missing())
                + ")");
        Process process = launch.onHost(prefix, install, folder, socket);
        state = started(process, socket, null, SocketLinks.uid());
      }
      state.write(folder.state());
      log.accept("code-server started (pid " + state.pid() + "), log in " + folder.log());
      return toWorkspace(spec.interviewId(), folder, state);
    }
  }

  private RuntimeState started(Process process, Path socket, String user, Integer uid) {
    return RuntimeState.started(process, socket, user, uid, clock);
  }

  // ---- spares (WorkspaceFolders): claiming one links the interview's id to the spare's folder.

  @Override
  public boolean hasSpares() {
    return true;
  }

  @Override
  public Workspace startSpare(String spareId, Consumer<String> log) throws Exception {
    return provision(new WorkspaceSpec(SpareIds.check(spareId)), log);
  }

  @Override
  public List<String> spares() {
    return folders.spares();
  }

  @Override
  public boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) throws Exception {
    if (!WorkspaceFolders.isSpare(spareId)) {
      throw new IllegalArgumentException(spareId + " is no spare id");
    }
    InterviewFolder spare = InterviewFolder.of(folders.dir(), spareId);
    Path link = folders.named(spec.interviewId());
    synchronized (lockFor(spare)) {
      if (WorkspaceProcesses.running(spare).isEmpty()
          || Files.exists(link, LinkOption.NOFOLLOW_LINKS)
          || !folders.spares().contains(spareId)) {
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
      if (!folders.claim(spareId, spec.interviewId())) {
        return false;
      }
      log.accept("took a warm workspace from the pool (" + spareId + ")");
      return true;
    }
  }

  // ---- the workspace's files (CandidateFiles) and setup (SetupRunner, NpmCache)

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws Exception {
    InterviewFolder folder = folders.of(interviewId);
    synchronized (lockFor(folder)) {
      candidateFiles.copyChallenge(folder, challengeFiles, log);
    }
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log)
      throws Exception {
    InterviewFolder folder = folders.of(interviewId);
    // Not under the folder's lock: setup may take a while, and destroy must be able to stop it.
    if (!setup.openFiles().isEmpty()) {
      files.openFiles(folder, setup.openFiles());
    }
    if (setup.commands().isEmpty()) {
      return;
    }
    setupRunner.run(
        folder,
        setup,
        launch.setup(folder),
        candidateFiles.files(),
        CandidateFiles.takeFresh(folder),
        () -> npmCache.prepare(folder, candidateFiles.files(), setup.timeout(), sandboxed, log),
        log);
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    return reads.all(interviewId, visitor);
  }

  @Override
  public boolean listFiles(String interviewId, Set<String> excluded, Consumer<WorkspaceFile> out)
      throws IOException {
    return reads.list(interviewId, excluded, out);
  }

  @Override
  public boolean readFiles(String interviewId, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    return reads.some(interviewId, paths, visitor);
  }

  @Override
  public Optional<byte[]> terminalHistory(String interviewId) throws IOException {
    return reads.history(interviewId);
  }

  // ---- running, stopping and removing (WorkspaceProcesses)

  @Override
  public Optional<Workspace> find(String interviewId) {
    InterviewFolder folder = folders.of(interviewId);
    if (folders.claimedSpare(interviewId)) {
      return Optional.empty();
    }
    return WorkspaceProcesses.running(folder).map(state -> toWorkspace(interviewId, folder, state));
  }

  @Override
  public List<Workspace> list() {
    List<Workspace> running = new ArrayList<>();
    folders
        .interviews()
        .forEach(
            (id, folder) ->
                WorkspaceProcesses.running(folder)
                    .ifPresent(state -> running.add(toWorkspace(id, folder, state))));
    return running;
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = folders.of(interviewId);
    synchronized (lockFor(folder)) {
      if (!folders.claimedSpare(interviewId)) {
        processes.stop(folder, log);
      }
    }
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) throws Exception {
    InterviewFolder folder = folders.of(interviewId);
    synchronized (lockFor(folder)) {
      if (folders.claimedSpare(interviewId)) {
        return; // the interview's workspace now, destroyed through the interview's id
      }
      processes.stop(folder, log);
      launch.forget(interviewId);
      egress.release(folder);
      disks.release(folder); // the candidate's files go with the disk's image
      if (Files.exists(folder.root())) {
        Files.deleteIfExists(folder.state());
        CandidateFiles.delete(folder);
        log.accept("removed " + folder.root());
      }
      sockets.unlink(folder);
      Files.deleteIfExists(folders.named(interviewId)); // a claim's link
    }
  }

  @Override
  public Optional<String> diskFull(String interviewId) {
    return disks.full(folders.of(interviewId));
  }

  @Override
  public OptionalLong memoryBytes(String interviewId) {
    return WorkspaceProcesses.memoryBytes(folders.of(interviewId));
  }

  @Override
  public void showClock(String interviewId, WorkspaceClock clock) throws IOException {
    files.showClock(folders.of(interviewId), clock);
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    return processes.whyStopped(folders.of(interviewId));
  }

  /** How many of the workspace's processes the kernel killed for going over its memory limit. */
  long memoryKills(String interviewId) {
    return processes.memoryKills(folders.of(interviewId));
  }

  /** Starts a command in the workspace's sandbox as its code-server runs: for tests, graders. */
  Process exec(String interviewId, List<String> command) throws IOException {
    if (!sandboxed) {
      throw new IllegalStateException("no sandbox on this machine: " + isolation.missing());
    }
    return launch.exec(folders.of(interviewId), command);
  }

  private Object lockFor(InterviewFolder folder) {
    return locks.computeIfAbsent(folder.interviewId(), id -> new Object());
  }

  /** The workspace as the proxy sees it; an adopted one's socket is sealed first if not yet. */
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
}
