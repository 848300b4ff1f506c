package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Each workspace a container on a Docker Engine ({@code PREQUEL_RUNTIME=docker}; {@code
 * DOCKER_HOST} names a remote one), driven through the Engine API, never the CLI. What a container
 * is and how it is isolated: {@link WorkspaceContainer}; its network: {@link WorkspaceNetworks};
 * files in and out as tar streams: {@link WorkspaceArchive}; commands as the candidate: {@link
 * WorkspaceExec}. Every container, volume and network carries labels, so a restarted Prequel finds
 * (and the reconciler can retire) what an earlier one started.
 */
public final class DockerRuntime implements WorkspaceRuntime {

  /** The image {@code scripts/docker-workspace-image.sh} builds. */
  public static final String DEFAULT_IMAGE = "prequel-workspace:4.100.3";

  /** Where each workspace's /28 comes from, unless {@code PREQUEL_DOCKER_SUBNETS} says. */
  public static final String DEFAULT_SUBNETS = "10.213.0.0/16";

  /**
   * Whose containers these are, unless {@code PREQUEL_DOCKER_SCOPE} says: {@link #list} (and so the
   * reconciler's orphan removal and a stop) sees only containers of its own scope, so two Prequels
   * on one engine never retire each other's workspaces.
   */
  public static final String DEFAULT_SCOPE = "prequel";

  /** What a command run in a workspace printed, and its exit status. */
  public record ExecResult(int exitCode, String output) {}

  private final DockerClient docker;
  private final WorkspaceLimits ceiling;
  private final Outbound outbound;
  private final Clock clock;
  private final WorkspaceArchive archive;
  private final ContainerFiles files;
  private final WorkspaceExec exec;
  private final ContainerSetup setup;
  private final SetupCaches caches;

  private final NewWorkspaces made = new NewWorkspaces();

  private final WorkspaceParts parts;
  private final WorkspaceSpares spares;
  private final HalfRemovedSpares halfRemoved;
  private final String scope;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  /**
   * @param ceiling the default limits, and the most a challenge gets
   * @param outbound the most network a challenge gets ({@code PREQUEL_WORKSPACE_OUTBOUND})
   * @param disksDir a root-only folder for the workspaces' disks ({@link VolumeDisks}); null: none
   * @param cacheDir the setup caches' folder ({@link SetupCaches}, {@code data/cache}); null: none
   * @param scope see {@link #DEFAULT_SCOPE}
   */
  public DockerRuntime(
      DockerClient docker,
      String image,
      String subnets,
      WorkspaceLimits ceiling,
      Outbound outbound,
      Path disksDir,
      Path cacheDir,
      Clock clock,
      String scope) {
    this(docker, image, subnets, ceiling, outbound, disksDir, cacheDir, clock, scope, hostEnv());
  }

  private static String hostEnv() {
    return System.getenv("DOCKER_HOST");
  }

  /**
   * @param dockerHost where the engine is, as {@code DOCKER_HOST} says: a remote one gets no host
   *     folder, disk or firewall rule of this machine (tests name one to take that path)
   */
  DockerRuntime(
      DockerClient docker,
      String image,
      String subnets,
      WorkspaceLimits ceiling,
      Outbound outbound,
      Path disksDir,
      Path cacheDir,
      Clock clock,
      String scope,
      String dockerHost) {
    this.scope = WorkspaceContainer.checkId(scope);
    this.docker = docker;
    this.ceiling = ceiling;
    this.outbound = outbound;
    this.clock = clock;
    WorkspaceNetworks networks = new WorkspaceNetworks(docker, subnets, this.scope);
    VolumeDisks disks = new VolumeDisks(disksDir, dockerHost);
    this.spares = new WorkspaceSpares(docker, this.scope, disks::owners);
    this.archive = new WorkspaceArchive(docker);
    this.exec = new WorkspaceExec(docker);
    this.setup = new ContainerSetup(exec, clock);
    this.caches = new SetupCaches(docker, cacheDir);
    HostFirewall firewall = new HostFirewall(subnets, dockerHost);
    EgressFirewall egress = new EgressFirewall(subnets, dockerHost);
    this.parts = new WorkspaceParts(docker, image, firewall, egress, networks, disks, this.scope);
    this.files =
        new ContainerFiles(
            docker, archive, this::inspect, c -> parts.reattach(WorkspaceContainer.owner(c)));
    this.halfRemoved =
        new HalfRemovedSpares(
            spares, parts, clock, this::lockFor, id -> inspect(id).isPresent(), locks::remove);
  }

  @Override
  public String name() {
    return WorkspaceContainer.RUNTIME;
  }

  @Override
  public RuntimeDescription describe() {
    return parts.describe(name(), ceiling, outbound);
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log)
      throws IOException, InterruptedException {
    String id = WorkspaceContainer.checkId(spec.interviewId());
    synchronized (lockFor(id)) {
      Optional<InspectContainerResponse> existing = inspect(id);
      if (existing.isPresent() && WorkspaceContainer.running(existing.get())) {
        return workspace(id, existing.get());
      }
      if (existing.isEmpty()) {
        if (WorkspaceContainer.isSpare(id) && spares.claimed(id)) {
          // its volumes are an interview's now: a second container on them must never start
          throw new IllegalStateException(id + " was claimed by an interview: it names nothing");
        }
        if (parts.make(id, limits(spec), outbound(spec), spec.secrets(), log)) {
          made.made(id);
        }
      } else {
        parts.reattach(
            WorkspaceContainer.owner(existing.get())); // after a reboot: its files are on its disk
      }
      try {
        docker.startContainerCmd(WorkspaceContainer.name(id)).exec();
      } catch (NotModifiedException e) {
        // already running
      }
      log.accept("started container " + WorkspaceContainer.name(id));
      return workspace(id, inspect(id).orElseThrow());
    }
  }

  /** Whose volumes, network and disk a container has: its own, or its spare's once claimed. */
  private WorkspaceLimits limits(WorkspaceSpec spec) {
    return spec.limits() == null ? ceiling : spec.limits().within(ceiling);
  }

  private Outbound outbound(WorkspaceSpec spec) {
    return spec.outbound() == null ? outbound : spec.outbound().and(outbound);
  }

  // ---- spares (WorkspaceSpares): claiming one renames its container to the interview's name
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
    return spares.unclaimed();
  }

  @Override
  public boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) {
    SpareIds.check(WorkspaceContainer.checkId(spareId));
    String id = WorkspaceContainer.checkId(spec.interviewId());
    if (WorkspaceContainer.isSpare(id)) {
      throw new IllegalArgumentException(id + " is a spare id, not an interview's");
    }
    // always the spare first, then the interview: nothing takes them the other way round
    synchronized (lockFor(spareId)) {
      synchronized (lockFor(id)) {
        WorkspaceLimits limits = limits(spec);
        // an interview's stopped files: a claim would hide them
        boolean hasOwn = inspect(id).isPresent() || parts.hasFiles(id);
        if (!WorkspaceSpares.fits(inspect(spareId), hasOwn, limits, outbound(spec))) {
          return false;
        }
        if (!spares.claim(spareId, id, limits, ceiling)) {
          return false;
        }
        log.accept(
            "took a warm workspace from the pool (" + spareId + "; " + limits.describe() + ")");
        return true;
      }
    }
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws IOException {
    String container = WorkspaceContainer.name(WorkspaceContainer.checkId(interviewId));
    String owner = WorkspaceContainer.owner(existing(interviewId));
    boolean first = made.firstCopy(owner);
    archive.copyChallenge(container, challengeFiles, first, log);
    if (first) {
      made.copied(owner, challengeFiles);
    }
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup workspaceSetup, Consumer<String> log)
      throws IOException, InterruptedException {
    String container = WorkspaceContainer.name(WorkspaceContainer.checkId(interviewId));
    String owner = WorkspaceContainer.owner(existing(interviewId));
    if (!workspaceSetup.openFiles().isEmpty()
        && !parts.openFiles(owner, workspaceSetup.openFiles())) {
      log.accept("the workbench opens no files by itself: this workspace predates Prequel's files");
    }
    setup.run(container, workspaceSetup, caches, made.takeFresh(owner), made.mayUseNpm(owner), log);
  }

  @Override
  public void showClock(String interviewId, WorkspaceClock clock) throws IOException {
    Optional<InspectContainerResponse> c = inspect(WorkspaceContainer.checkId(interviewId));
    if (c.isPresent()) {
      parts.showClock(WorkspaceContainer.owner(c.get()), clock);
    }
  }

  /**
   * Runs a shell command in the workspace as its candidate (uid 1000, in {@code /workspace}), as
   * their terminal would: for operators' checks and the hostile-candidate suite.
   */
  public ExecResult exec(String interviewId, String command) throws InterruptedException {
    return exec(interviewId, command, Duration.ofMinutes(2));
  }

  /** {@link #exec(String, String)}, killed past {@code timeout}. */
  public ExecResult exec(String interviewId, String command, Duration timeout)
      throws InterruptedException {
    existing(interviewId);
    var r = exec.run(WorkspaceContainer.name(interviewId), command, timeout, line -> {});
    return new ExecResult(r.exitCode(), r.output());
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    return inspect(id).filter(WorkspaceContainer::running).map(c -> workspace(id, c));
  }

  @Override
  public List<Workspace> list() {
    List<Workspace> workspaces = new ArrayList<>();
    docker
        .listContainersCmd()
        .withLabelFilter(WorkspaceContainer.scopeFilter(scope))
        .withStatusFilter(List.of("running"))
        .exec()
        .forEach(
            c ->
                // by name: a claimed spare's label still names the spare
                WorkspaceContainer.idOf(c.getNames())
                    .filter(id -> !WorkspaceContainer.isSpare(id))
                    .flatMap(this::find)
                    .ifPresent(workspaces::add));
    halfRemoved.removeSeen();
    return workspaces;
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    return inspect(WorkspaceContainer.checkId(interviewId))
        .filter(c -> !WorkspaceContainer.running(c))
        .flatMap(WorkspaceContainer::whyStopped);
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) {
    String id = WorkspaceContainer.checkId(interviewId);
    try {
      docker.stopContainerCmd(WorkspaceContainer.name(id)).withTimeout(5).exec(); // then killed
      log.accept("stopped container " + WorkspaceContainer.name(id) + " (files kept)");
    } catch (NotFoundException | NotModifiedException e) {
      // nothing runs
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    return files.all(WorkspaceContainer.checkId(interviewId), visitor);
  }

  @Override
  public boolean listFiles(String interviewId, Set<String> excluded, Consumer<WorkspaceFile> out)
      throws IOException {
    return files.list(WorkspaceContainer.checkId(interviewId), excluded, out);
  }

  @Override
  public boolean readFiles(String interviewId, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    return files.some(WorkspaceContainer.checkId(interviewId), paths, visitor);
  }

  @Override
  public Optional<byte[]> terminalHistory(String interviewId) throws IOException {
    return files.history(WorkspaceContainer.checkId(interviewId));
  }

  @Override
  public OptionalLong memoryBytes(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    boolean running = inspect(id).filter(WorkspaceContainer::running).isPresent();
    return running ? ContainerMemory.of(docker, WorkspaceContainer.name(id)) : OptionalLong.empty();
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log)
      throws IOException, InterruptedException {
    String id = WorkspaceContainer.checkId(interviewId);
    // finished even on a thread being interrupted (a stopping pool's): see WorkspaceParts.remove
    WorkspaceParts.toTheEnd(
        () -> {
          synchronized (lockFor(id)) {
            if (WorkspaceContainer.isSpare(id) && spares.claimed(id)) {
              return; // the interview's workspace now, destroyed through the interview's id
            }
            // its own volumes, network and disk, and those of the spare it was claimed from
            Set<String> owners = new LinkedHashSet<>(List.of(id));
            inspect(id).map(WorkspaceContainer::owner).ifPresent(owners::add);
            parts.remove(id, owners, log);
            made.forget(owners);
          }
        });
    locks.remove(id);
  }

  @Override
  public Optional<String> diskFull(String interviewId) {
    return inspect(WorkspaceContainer.checkId(interviewId))
        .map(WorkspaceContainer::owner)
        .flatMap(parts::diskFull);
  }

  private Workspace workspace(String id, InspectContainerResponse container) {
    return WorkspaceContainer.workspace(id, container, clock.instant());
  }

  private Optional<InspectContainerResponse> inspect(String id) {
    try {
      return Optional.of(docker.inspectContainerCmd(WorkspaceContainer.name(id)).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** The interview's container as the engine describes it; throws when there is none. */
  private InspectContainerResponse existing(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    return inspect(id)
        .orElseThrow(() -> new IllegalStateException("no workspace container for " + id));
  }

  private Object lockFor(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }
}
