package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.prequel.runtime.OpenFilesExtension;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What a workspace container is: its names, labels and isolation. Inside, the candidate sees
 *
 * <pre>
 * /                    the image, read-only
 * /workspace           the interview's files: a volume of its own (survives a restart)
 * /home/candidate      HOME and code-server's settings and extensions: a second volume
 * /tmp, /var/tmp       tmpfs (memory, counted in the memory limit, bounded on its own)
 * /dev/shm             64 MiB
 * </pre>
 *
 * as uid 1000 with no capabilities and no way to gain any, within the pids, memory and CPU limits
 * of its spec, on a network of its own that reaches nothing (see {@link WorkspaceNetworks}). No
 * Docker socket, no host folder.
 */
final class WorkspaceContainer {

  /** Marks everything this runtime made, so that {@code list} finds it after a restart. */
  static final String LABEL_RUNTIME = "dev.prequel.runtime";

  /**
   * The interview (or spare) a container, volume or network was made for. A claimed spare's
   * container keeps its spare's label (labels cannot change) but takes the interview's name: the
   * name says whose it is now, the label which volumes and network are its own.
   */
  static final String LABEL_OWNER = "dev.prequel.interview";

  /** The disk (MiB) and network a container was made with: neither changes while it exists. */
  static final String LABEL_DISK = "dev.prequel.disk-mb";

  static final String LABEL_OUTBOUND = "dev.prequel.outbound";

  /** Spares are named so; an interview id never starts with it. */
  static final String SPARE_PREFIX = "spare-";

  /** Which Prequel's workspace this is: see {@link DockerRuntime#DEFAULT_SCOPE}. */
  static final String LABEL_SCOPE = "dev.prequel.scope";

  static final String RUNTIME = "docker";
  static final int UID = 1000;
  static final String USER = UID + ":" + UID;
  static final int PORT = 8080;
  static final String WORKSPACE = "/workspace";
  static final String HOME = "/home/candidate";

  /** Prequel's files for code-server, read-only (see {@link PrequelFiles}). */
  static final String PREQUEL = "/prequel";

  /** code-server's extensions, under HOME (its default). */
  static final String EXTENSIONS_IN_HOME = ".local/share/code-server/extensions";

  // Docker's names allow more, but an id is also part of host names and labels: keep it plain.
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final long MIB = 1024L * 1024;

  private WorkspaceContainer() {}

  /** Refuses ids that could name something else than this interview's container. */
  static String checkId(String interviewId) {
    if (interviewId == null || !ID.matcher(interviewId).matches()) {
      throw new IllegalArgumentException("not a workspace id: '" + interviewId + "'");
    }
    return interviewId;
  }

  static String name(String interviewId) {
    return "prequel-" + checkId(interviewId);
  }

  static String workspaceVolume(String interviewId) {
    return name(interviewId) + "-workspace";
  }

  static String homeVolume(String interviewId) {
    return name(interviewId) + "-home";
  }

  static Map<String, String> labels(String interviewId, String scope) {
    return Map.of(
        LABEL_RUNTIME, RUNTIME, LABEL_OWNER, checkId(interviewId), LABEL_SCOPE, checkId(scope));
  }

  /** The labels that pick this runtime's things of one scope out of everything on the engine. */
  static Map<String, String> scopeFilter(String scope) {
    return Map.of(LABEL_RUNTIME, RUNTIME, LABEL_SCOPE, scope);
  }

  static Map<String, String> labels(
      String interviewId, String scope, int diskMb, Outbound outbound) {
    return Map.of(
        LABEL_RUNTIME,
        RUNTIME,
        LABEL_OWNER,
        checkId(interviewId),
        LABEL_SCOPE,
        checkId(scope),
        LABEL_DISK,
        Integer.toString(diskMb),
        LABEL_OUTBOUND,
        outbound.wireName());
  }

  static boolean running(InspectContainerResponse container) {
    return Boolean.TRUE.equals(container.getState().getRunning());
  }

  static boolean isSpare(String id) {
    return id.startsWith(SPARE_PREFIX);
  }

  /** The id a container's name gives it ({@code /prequel-ID} as the engine lists it), if any. */
  static Optional<String> idOf(String[] names) {
    if (names == null) {
      return Optional.empty();
    }
    for (String name : names) {
      String plain = name.startsWith("/") ? name.substring(1) : name;
      if (plain.startsWith("prequel-")) {
        String id = plain.substring("prequel-".length());
        if (ID.matcher(id).matches()) {
          return Optional.of(id);
        }
      }
    }
    return Optional.empty();
  }

  /** The container for this interview, not started, on its own network. */
  static CreateContainerCmd create(
      DockerClient docker,
      String image,
      String interviewId,
      String scope,
      WorkspaceLimits limits,
      Outbound outbound,
      String network,
      Optional<PrequelMount> prequelFiles,
      WorkspaceSecrets secrets) {
    List<String> env =
        new ArrayList<>(
            List.of(
                "HOME=" + HOME,
                "USER=candidate",
                "SHELL=/bin/bash",
                "PATH=/usr/local/bin:/usr/bin:/bin"));
    // The interview's secrets (issue 17, 6) in the container's environment, so in every process
    // of it: `docker inspect` shows them to whoever may use the engine's socket, who is root on
    // this machine anyway; the candidate's processes see only their own container's.
    secrets.values().forEach((name, value) -> env.add(name + "=" + value));
    return docker
        .createContainerCmd(image)
        .withName(name(interviewId))
        .withLabels(labels(interviewId, scope, limits.diskMb(), outbound))
        .withHostName("workspace")
        .withUser(USER)
        .withWorkingDir(WORKSPACE)
        .withEnv(env)
        .withCmd(prequelFiles.isPresent() ? seedingSettings(codeServer()) : codeServer())
        .withHostConfig(hostConfig(interviewId, limits, network, prequelFiles));
  }

  /**
   * Where Prequel's files come from: a folder on the workspace's disk, with the extension in its
   * {@code open-files} folder, or a volume of their own with the extension at its root.
   */
  record PrequelMount(MountType type, String source, String extensionSource) {
    static PrequelMount folder(Path own) {
      return new PrequelMount(MountType.BIND, own.toString(), own.resolve("open-files").toString());
    }

    static PrequelMount volume(String name) {
      return new PrequelMount(MountType.VOLUME, name, name);
    }
  }

  static HostConfig hostConfig(
      String interviewId,
      WorkspaceLimits limits,
      String network,
      Optional<PrequelMount> prequelFiles) {
    List<Mount> mounts =
        new ArrayList<>(
            List.of(
                volume(workspaceVolume(interviewId), WORKSPACE),
                volume(homeVolume(interviewId), HOME)));
    prequelFiles.ifPresent(
        own -> {
          mounts.add(readOnly(own.type(), own.source(), PREQUEL));
          mounts.add(
              readOnly(
                  own.type(),
                  own.extensionSource(),
                  HOME + "/" + EXTENSIONS_IN_HOME + "/" + OpenFilesExtension.FOLDER));
        });
    long memory = limits.memoryMb() * MIB;
    return HostConfig.newHostConfig()
        .withCapDrop(Capability.ALL)
        .withSecurityOpts(List.of("no-new-privileges:true"))
        .withPrivileged(false)
        .withReadonlyRootfs(true)
        .withTmpFs(
            Map.of(
                "/tmp", "rw,nosuid,nodev,size=512m,mode=1777",
                "/var/tmp", "rw,nosuid,nodev,size=64m,mode=1777"))
        .withShmSize(64 * MIB)
        .withMemory(memory)
        .withMemorySwap(memory) // no swap: past the limit the kernel kills, as in the sandbox
        .withNanoCPUs(limits.milliCpus() * 1_000_000L)
        .withPidsLimit((long) limits.maxProcesses())
        .withIpcMode("private")
        // docker-init reaps the terminal's orphans and forwards the stop signal to code-server
        .withInit(true)
        .withNetworkMode(network)
        .withMounts(mounts);
  }

  /** The running container as the proxy reaches it: code-server on its address. */
  static Workspace workspace(String id, InspectContainerResponse container, Instant now) {
    String address =
        container.getNetworkSettings().getNetworks().values().stream()
            .map(ContainerNetwork::getIpAddress)
            .filter(Objects::nonNull)
            .filter(ip -> !ip.isEmpty())
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("container of " + id + " has no address"));
    String startedAt = container.getState().getStartedAt();
    Instant started = startedAt == null ? now : Instant.parse(startedAt);
    return new Workspace(id, URI.create("http://" + address + ":" + PORT), started);
  }

  /** Why a stopped container stopped, when it was no stop Prequel asked for. */
  static Optional<String> whyStopped(InspectContainerResponse container) {
    var state = container.getState();
    if (Boolean.TRUE.equals(state.getOOMKilled())) {
      Long memory = container.getHostConfig().getMemory();
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

  private static Mount volume(String name, String target) {
    return new Mount().withType(MountType.VOLUME).withSource(name).withTarget(target);
  }

  private static Mount readOnly(MountType type, String source, String target) {
    return new Mount().withType(type).withSource(source).withTarget(target).withReadOnly(true);
  }

  /**
   * code-server's command, preceded by the seeding of the candidate's settings, as the candidate
   * (the container's user) and only when they have none: an entry in any form, even a dangling
   * link, is kept. exec: code-server stays the process docker-init watches.
   */
  static String[] seedingSettings(String[] codeServer) {
    String seed =
        "d=\"$HOME/.local/share/code-server/User\"; mkdir -p \"$d\" 2>/dev/null;"
            + " if [ ! -e \"$d/settings.json\" ] && [ ! -L \"$d/settings.json\" ]; then"
            + " cp "
            + PREQUEL
            + "/settings.json \"$d/settings.json\" 2>/dev/null; fi; exec \"$@\"";
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", seed, "prequel-start"));
    command.addAll(List.of(codeServer));
    return command.toArray(String[]::new);
  }

  /**
   * code-server on all of the container's addresses: only its own network's gateway (the host,
   * where the proxy runs) can reach it. No password: candidates log in at Prequel's proxy.
   */
  static String[] codeServer() {
    return new String[] {
      "/usr/local/bin/node",
      "/opt/code-server/node_modules/code-server/out/node/entry.js",
      "--bind-addr",
      "0.0.0.0:" + PORT,
      "--auth",
      "none",
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      WORKSPACE
    };
  }

  /** Whose volumes and network the container uses ({@link #LABEL_OWNER}: a claimed spare's). */
  static String owner(InspectContainerResponse container) {
    return container.getConfig().getLabels().get(LABEL_OWNER);
  }
}
