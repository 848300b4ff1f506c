package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeDescription;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
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

  private static final long MIB = 1024L * 1024;
  private static final int STOP_GRACE_SECONDS = 5;

  private final DockerClient docker;
  private final String image;
  private final WorkspaceLimits ceiling;
  private final Clock clock;
  private final WorkspaceNetworks networks;
  private final WorkspaceArchive archive;
  private final WorkspaceExec exec;
  private final HostFirewall firewall;
  private final String scope;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public DockerRuntime(
      DockerClient docker, String image, String subnets, WorkspaceLimits ceiling, Clock clock) {
    this(docker, image, subnets, ceiling, clock, DEFAULT_SCOPE);
  }

  /** {@code scope}: see {@link #DEFAULT_SCOPE}. */
  public DockerRuntime(
      DockerClient docker,
      String image,
      String subnets,
      WorkspaceLimits ceiling,
      Clock clock,
      String scope) {
    this.scope = WorkspaceContainer.checkId(scope);
    this.docker = docker;
    this.image = image;
    this.ceiling = ceiling;
    this.clock = clock;
    this.networks = new WorkspaceNetworks(docker, subnets);
    this.archive = new WorkspaceArchive(docker);
    this.exec = new WorkspaceExec(docker);
    this.firewall = new HostFirewall(subnets, System.getenv("DOCKER_HOST"));
  }

  /**
   * A client for the engine {@code DOCKER_HOST} names (with {@code DOCKER_TLS_VERIFY} and {@code
   * DOCKER_CERT_PATH}, as the CLI reads them), or the local socket. Connects lazily.
   */
  public static DockerClient connect() {
    DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    ApacheDockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(10))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  @Override
  public String name() {
    return WorkspaceContainer.RUNTIME;
  }

  @Override
  public RuntimeDescription describe() {
    List<String> missing = new ArrayList<>();
    String fix = "";
    try {
      docker.pingCmd().exec();
      try {
        docker.inspectImageCmd(image).exec();
      } catch (NotFoundException e) {
        missing.add("the workspace image " + image);
        fix = "scripts/docker-workspace-image.sh (./prequel run builds it)";
      }
      firewall.ensure().ifPresent(missing::add);
    } catch (RuntimeException e) {
      missing.add("a reachable Docker Engine (" + e.getMessage() + ")");
      fix = "apt-get install -y docker.io and start dockerd, or set DOCKER_HOST";
    }
    return new RuntimeDescription(
        name(), "container", missing.isEmpty(), missing.isEmpty(), ceiling, "none", missing, fix);
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) {
    String id = WorkspaceContainer.checkId(spec.interviewId());
    synchronized (lockFor(id)) {
      Optional<InspectContainerResponse> existing = inspect(id);
      if (existing.isPresent() && running(existing.get())) {
        return workspace(id, existing.get());
      }
      if (existing.isEmpty()) {
        WorkspaceLimits limits = spec.limits() == null ? ceiling : spec.limits().within(ceiling);
        if (spec.outbound() == Outbound.EGRESS) {
          log.accept("the docker runtime gives workspaces no outbound network (yet): none");
        }
        // before the first network: a workspace never runs without the rule where it can be set
        firewall.ensure().ifPresent(why -> log.accept("warning: " + why));
        String network = networks.ensure(id);
        for (String volume :
            List.of(WorkspaceContainer.workspaceVolume(id), WorkspaceContainer.homeVolume(id))) {
          docker
              .createVolumeCmd()
              .withName(volume)
              .withLabels(WorkspaceContainer.labels(id, scope))
              .exec(); // idempotent: an existing volume is returned as it is
        }
        try {
          WorkspaceContainer.create(docker, image, id, limits, network)
              .withLabels(WorkspaceContainer.labels(id, scope))
              .exec();
        } catch (NotFoundException e) {
          throw new IllegalStateException(
              "the workspace image "
                  + image
                  + " is missing: build it with scripts/docker-workspace-image.sh",
              e);
        } catch (ConflictException e) {
          // made meanwhile by another Prequel on the same engine: start that one
        }
        log.accept(
            "created container " + WorkspaceContainer.name(id) + " (" + limits.describe() + ")");
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

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log)
      throws IOException {
    String container = existing(interviewId);
    int[] counts = archive.copyChallenge(container, challengeFiles);
    log.accept(
        "copied "
            + counts[0]
            + " challenge files into the workspace"
            + (counts[1] > 0 ? ", kept " + counts[1] + " existing" : ""));
  }

  @Override
  public void runSetup(String interviewId, WorkspaceSetup setup, Consumer<String> log)
      throws InterruptedException {
    String container = existing(interviewId);
    Instant deadline = clock.instant().plus(setup.timeout());
    for (String command : setup.commands()) {
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw new IllegalStateException("setup ran past its " + setup.timeout().toSeconds() + " s");
      }
      log.accept("$ " + command);
      WorkspaceExec.Result result = exec.run(container, command, left, log);
      if (result.timedOut()) {
        throw new IllegalStateException(
            "setup ran past its " + setup.timeout().toSeconds() + " s: " + command);
      }
      if (result.exitCode() != 0) {
        throw new IllegalStateException(
            "setup command failed (exit " + result.exitCode() + "): " + command);
      }
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
    WorkspaceExec.Result r = exec.run(existing(interviewId), command, timeout, line -> {});
    return new ExecResult(r.exitCode(), r.output());
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    return inspect(id).filter(DockerRuntime::running).map(c -> workspace(id, c));
  }

  @Override
  public List<Workspace> list() {
    List<Workspace> workspaces = new ArrayList<>();
    docker
        .listContainersCmd()
        .withLabelFilter(
            Map.of(
                WorkspaceContainer.LABEL_RUNTIME,
                WorkspaceContainer.RUNTIME,
                WorkspaceContainer.LABEL_SCOPE,
                scope))
        .withStatusFilter(List.of("running"))
        .exec()
        .forEach(
            c -> {
              String id = c.getLabels().get(WorkspaceContainer.LABEL_OWNER);
              if (id != null) {
                find(id).ifPresent(workspaces::add);
              }
            });
    return workspaces;
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    Optional<InspectContainerResponse> container = inspect(WorkspaceContainer.checkId(interviewId));
    if (container.isEmpty() || running(container.get())) {
      return Optional.empty();
    }
    var state = container.get().getState();
    if (Boolean.TRUE.equals(state.getOOMKilled())) {
      Long memory = container.get().getHostConfig().getMemory();
      return Optional.of(
          "killed: out of memory (limit "
              + (memory == null ? "?" : String.valueOf(memory / MIB))
              + " MiB)");
    }
    Long code = state.getExitCodeLong();
    // 0, and TERM/KILL from a stop Prequel asked for, are no surprise
    if (code == null || code == 0 || code == 143 || code == 137) {
      return Optional.empty();
    }
    return Optional.of("code-server exited with status " + code);
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) {
    String id = WorkspaceContainer.checkId(interviewId);
    try {
      docker.stopContainerCmd(WorkspaceContainer.name(id)).withTimeout(STOP_GRACE_SECONDS).exec();
      log.accept("stopped container " + WorkspaceContainer.name(id) + " (files kept)");
    } catch (NotFoundException | NotModifiedException e) {
      // nothing runs
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    String id = WorkspaceContainer.checkId(interviewId);
    if (inspect(id).isEmpty()) {
      return false;
    }
    try {
      archive.visit(WorkspaceContainer.name(id), visitor);
      return true;
    } catch (NotFoundException e) {
      return false; // removed meanwhile
    }
  }

  @Override
  public OptionalLong memoryBytes(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    if (inspect(id).filter(DockerRuntime::running).isEmpty()) {
      return OptionalLong.empty();
    }
    return ContainerMemory.of(docker, WorkspaceContainer.name(id));
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) {
    String id = WorkspaceContainer.checkId(interviewId);
    synchronized (lockFor(id)) {
      try {
        docker.removeContainerCmd(WorkspaceContainer.name(id)).withForce(true).exec();
        log.accept("removed container " + WorkspaceContainer.name(id));
      } catch (NotFoundException e) {
        // already gone
      }
      for (String volume :
          List.of(WorkspaceContainer.workspaceVolume(id), WorkspaceContainer.homeVolume(id))) {
        try {
          docker.removeVolumeCmd(volume).exec();
        } catch (NotFoundException e) {
          // already gone
        }
      }
      networks.remove(id);
    }
    locks.remove(id);
  }

  private Workspace workspace(String id, InspectContainerResponse container) {
    String address =
        container.getNetworkSettings().getNetworks().values().stream()
            .map(ContainerNetwork::getIpAddress)
            .filter(Objects::nonNull)
            .filter(ip -> !ip.isEmpty())
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("container of " + id + " has no address"));
    String startedAt = container.getState().getStartedAt();
    Instant started = startedAt == null ? clock.instant() : Instant.parse(startedAt);
    return new Workspace(
        id, URI.create("http://" + address + ":" + WorkspaceContainer.PORT), started);
  }

  private Optional<InspectContainerResponse> inspect(String id) {
    try {
      return Optional.of(docker.inspectContainerCmd(WorkspaceContainer.name(id)).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private String existing(String interviewId) {
    String id = WorkspaceContainer.checkId(interviewId);
    if (inspect(id).isEmpty()) {
      throw new IllegalStateException("no workspace container for " + id + ": provision first");
    }
    return WorkspaceContainer.name(id);
  }

  private static boolean running(InspectContainerResponse container) {
    return Boolean.TRUE.equals(container.getState().getRunning());
  }

  private Object lockFor(String id) {
    return locks.computeIfAbsent(id, k -> new Object());
  }
}
