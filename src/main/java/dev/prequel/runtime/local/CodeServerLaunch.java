package dev.prequel.runtime.local;

import dev.prequel.runtime.CleanEnvironment;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceSecrets;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The commands that run in a workspace: its code-server, a challenge's setup commands, and checks
 * run beside the candidate ({@link #exec}). In a sandbox ({@link Sandbox}) each runs as the
 * workspace's user, in its cgroups and network; without one, as Prequel's user. Each gets one of
 * two environments, both clean ({@link CleanEnvironment}): the sandbox's ({@link
 * Sandbox#environment}) or the host's ({@link #hostEnvironment}).
 */
final class CodeServerLaunch {

  private static final String HOST_PATH = "/usr/local/bin:/usr/bin:/bin";

  private final Path codeServerDir;
  private final Sandbox sandbox; // null: no sandbox on this machine
  private final Cgroups cgroups; // null: no limits
  private final SandboxPolicy policy;
  private final Path npmCache;
  // The secrets each workspace's code-server was started with, for the commands exec runs beside
  // it; only in memory (a restarted Prequel gives them again when it provisions).
  private final Map<String, WorkspaceSecrets> secrets = new ConcurrentHashMap<>();

  CodeServerLaunch(
      Path codeServerDir, Sandbox sandbox, Cgroups cgroups, SandboxPolicy policy, Path npmCache) {
    this.codeServerDir = codeServerDir;
    this.sandbox = sandbox;
    this.cgroups = cgroups;
    this.policy = policy;
    this.npmCache = npmCache;
  }

  CodeServerInstall install() {
    return CodeServerInstall.at(codeServerDir);
  }

  /**
   * The interview's secrets go into the environment of code-server (so of the candidate's terminal
   * and everything it starts) and of {@link #exec}: never on a command line, where any user of the
   * machine could read them in /proc/PID/cmdline; a process's environment is readable only by its
   * own user (and root). Not into setup commands, whose output goes to the interview's log.
   */
  void give(String interviewId, WorkspaceSecrets given) {
    if (given.isEmpty()) {
      secrets.remove(interviewId);
    } else {
      secrets.put(interviewId, given);
    }
  }

  void forget(String interviewId) {
    secrets.remove(interviewId);
  }

  private void addSecrets(Map<String, String> env, InterviewFolder folder) {
    env.putAll(secrets.getOrDefault(folder.interviewId(), WorkspaceSecrets.none()).values());
  }

  /** code-server as Prequel's user, listening on {@code socket}, after {@code prefix}. */
  Process onHost(
      List<String> prefix, CodeServerInstall install, InterviewFolder folder, Path socket)
      throws IOException {
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        codeServer(
            install.node().toString(),
            install.entry().toString(),
            folder.config().toString(),
            socket.toString(),
            folder.userData().toString(),
            folder.extensions().toString(),
            folder.workspace().toString()));
    ProcessBuilder builder = toLog(command, folder);
    addSecrets(hostEnvironment(builder, folder), folder);
    return start(builder, folder);
  }

  /** code-server in the workspace's sandbox as {@code user}, after {@code prefix}. */
  Process sandboxed(
      List<String> prefix,
      CodeServerInstall install,
      InterviewFolder folder,
      WorkspaceUsers.User user,
      Outbound outbound)
      throws IOException {
    List<String> codeServer =
        codeServer(
            install.node().toString(),
            Sandbox.CODE_SERVER + "/" + install.dir().relativize(install.entry()),
            Sandbox.CONFIG,
            Sandbox.SOCKET,
            Sandbox.USER_DATA,
            Sandbox.EXTENSIONS,
            Sandbox.WORKSPACE);
    List<String> command = new ArrayList<>(prefix);
    command.addAll(
        sandbox.wrap(folder, user, install, outbound, CodeServerFiles.seedingSettings(codeServer)));
    ProcessBuilder builder = toLog(command, folder);
    addSecrets(Sandbox.environment(builder, user, install.node()), folder);
    return start(builder, folder);
  }

  /**
   * code-server's command line, without a password of its own: candidates log in at the proxy. One
   * Node process, not code-server's launcher and its child ({@link CodeServerMain}).
   */
  private static List<String> codeServer(
      String node,
      String entry,
      String config,
      String socket,
      String userData,
      String extensions,
      String workspace) {
    List<String> command = new ArrayList<>(CodeServerMain.command(node, entry));
    command.addAll(
        List.of(
            "--config",
            config,
            "--auth",
            "none",
            "--socket",
            socket,
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--user-data-dir",
            userData,
            "--extensions-dir",
            extensions,
            workspace));
    return command;
  }

  /**
   * Starts {@code command} in the workspace's sandbox, as its code-server runs: same user, same
   * folders, same cgroups and network. For checks and graders that run the candidate's code.
   */
  Process exec(InterviewFolder folder, List<String> command) throws IOException {
    if (sandbox == null) {
      throw new IllegalStateException("no sandbox on this machine");
    }
    ProcessBuilder builder =
        inSandbox(
                folder,
                WorkspaceUsers.provisioned(folder),
                WorkspaceGrant.read(folder.grant(), policy),
                null)
            .redirectErrorStream(true);
    builder.command().addAll(command);
    addSecrets(builder.environment(), folder);
    builder.environment().put(ProcessTree.MARKER, folder.root().toString());
    return builder.start();
  }

  /** Where a challenge's setup commands run: in the sandbox if there is one, else on the host. */
  SetupRunner.Launcher setup(InterviewFolder folder) {
    return sandbox != null ? sandboxedSetup(folder) : hostSetup(folder);
  }

  /**
   * Setup commands inside the workspace's sandbox: its user, its view of the machine, its cgroups
   * and its network, as the candidate's own terminal would run them.
   */
  private SetupRunner.Launcher sandboxedSetup(InterviewFolder folder) {
    WorkspaceUsers.User user = WorkspaceUsers.provisioned(folder);
    WorkspaceGrant grant = WorkspaceGrant.read(folder.grant(), policy);
    return shellCommand -> {
      ProcessBuilder builder = inSandbox(folder, user, grant, shellCommand);
      SetupRunner.environment(builder.environment());
      if (grant.outbound() == Outbound.NONE) {
        builder.environment().put("npm_config_offline", "true"); // fail at once, not on timeouts
      }
      return builder;
    };
  }

  /** Setup commands on the host, as Prequel's user: where there is no sandbox. */
  private SetupRunner.Launcher hostSetup(InterviewFolder folder) {
    return shellCommand -> {
      ProcessBuilder builder =
          new ProcessBuilder("/bin/sh", "-c", shellCommand).directory(folder.workspace().toFile());
      Map<String, String> env = hostEnvironment(builder, folder);
      SetupRunner.environment(env);
      env.put("npm_config_cache", npmCache.toString());
      return builder;
    };
  }

  /**
   * A process in the workspace's sandbox and cgroups, with the sandbox's clean environment; runs
   * {@code shellCommand} with /bin/sh, or (null) whatever the caller appends to the command.
   */
  private ProcessBuilder inSandbox(
      InterviewFolder folder, WorkspaceUsers.User user, WorkspaceGrant grant, String shellCommand)
      throws IOException {
    CodeServerInstall install = install();
    List<String> full = new ArrayList<>();
    if (cgroups != null) {
      full.addAll(Sandbox.joinCgroups(cgroups.join(folder.interviewId(), grant.limits())));
    }
    List<String> program =
        shellCommand == null ? List.of() : List.of("/bin/sh", "-c", shellCommand);
    full.addAll(sandbox.wrap(folder, user, install, grant.outbound(), program));
    ProcessBuilder builder = new ProcessBuilder(full).directory(folder.workspace().toFile());
    Sandbox.environment(builder, user, install.node());
    return builder;
  }

  /**
   * The environment of a process on the host, as Prequel's user: clean ({@link CleanEnvironment}),
   * with Prequel's PATH and the interview's folder as HOME.
   */
  private static Map<String, String> hostEnvironment(
      ProcessBuilder builder, InterviewFolder folder) {
    Map<String, String> env =
        CleanEnvironment.of(builder, "PATH", "USER", "LOGNAME", "TZ", "TMPDIR");
    env.putIfAbsent("PATH", HOST_PATH);
    env.put("HOME", folder.root().toString());
    return env;
  }

  /** code-server's output goes to the workspace's log; it reads nothing. */
  private static ProcessBuilder toLog(List<String> command, InterviewFolder folder) {
    return new ProcessBuilder(command)
        .directory(folder.workspace().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(folder.log().toFile()));
  }

  private static Process start(ProcessBuilder builder, InterviewFolder folder) throws IOException {
    Map<String, String> env = builder.environment();
    env.put("SHELL", Files.isExecutable(Path.of("/bin/bash")) ? "/bin/bash" : "/bin/sh");
    env.put(ProcessTree.MARKER, folder.root().toString());
    return builder.start();
  }
}
