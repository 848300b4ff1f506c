package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.prequel.runtime.WorkspaceLimits;
import java.util.List;
import java.util.Map;
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

  /** The interview (or spare) a container, volume or network belongs to. */
  static final String LABEL_OWNER = "dev.prequel.interview";

  /** Which Prequel's workspace this is: see {@link DockerRuntime#DEFAULT_SCOPE}. */
  static final String LABEL_SCOPE = "dev.prequel.scope";

  static final String RUNTIME = "docker";
  static final String USER = "1000:1000";
  static final int PORT = 8080;
  static final String WORKSPACE = "/workspace";
  static final String HOME = "/home/candidate";

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

  static Map<String, String> labels(String interviewId) {
    return Map.of(LABEL_RUNTIME, RUNTIME, LABEL_OWNER, checkId(interviewId));
  }

  static Map<String, String> labels(String interviewId, String scope) {
    return Map.of(
        LABEL_RUNTIME, RUNTIME, LABEL_OWNER, checkId(interviewId), LABEL_SCOPE, checkId(scope));
  }

  /** The container for this interview, not started, on its own network. */
  static CreateContainerCmd create(
      DockerClient docker,
      String image,
      String interviewId,
      WorkspaceLimits limits,
      String network) {
    return docker
        .createContainerCmd(image)
        .withName(name(interviewId))
        .withLabels(labels(interviewId))
        .withHostName("workspace")
        .withUser(USER)
        .withWorkingDir(WORKSPACE)
        .withEnv(
            "HOME=" + HOME,
            "USER=candidate",
            "SHELL=/bin/bash",
            "PATH=/usr/local/bin:/usr/bin:/bin")
        .withCmd(codeServer())
        .withHostConfig(hostConfig(interviewId, limits, network));
  }

  static HostConfig hostConfig(String interviewId, WorkspaceLimits limits, String network) {
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
        .withMounts(
            List.of(
                volume(workspaceVolume(interviewId), WORKSPACE),
                volume(homeVolume(interviewId), HOME)));
  }

  private static Mount volume(String name, String target) {
    return new Mount().withType(MountType.VOLUME).withSource(name).withTarget(target);
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
}
