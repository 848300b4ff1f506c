package dev.prequel.runtime.docker;

import dev.prequel.runtime.CleanEnvironment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Keeps workspaces off the host's own services. A workspace's network is internal (no way out), but
 * its gateway is the host itself, where any service listening on all addresses (a database, the
 * portal, the engine's metrics) would answer a candidate. One rule in the host's {@code INPUT}
 * chain drops every new connection that comes from the workspaces' address range; the proxy's own
 * connections to code-server start on the host, so their answers still pass.
 *
 * <p>Only an engine on this machine can be guarded so: with a remote {@code DOCKER_HOST} the rule
 * belongs on that machine, and {@link #ensure} says so.
 */
final class HostFirewall {
  static final String COMMENT = "prequel-workspaces";

  private final String subnets;
  private final String dockerHost;
  private volatile boolean inPlace;

  HostFirewall(String subnets, String dockerHost) {
    this.subnets = subnets;
    this.dockerHost = dockerHost;
  }

  /** Puts the rule in place when missing; empty once it is, else why it is not. */
  synchronized Optional<String> ensure() {
    if (inPlace) {
      return Optional.empty();
    }
    if (dockerHost != null && !dockerHost.isBlank() && !dockerHost.startsWith("unix://")) {
      return Optional.of(
          "the engine is remote ("
              + dockerHost
              + "): on its machine, drop new connections from "
              + subnets
              + " in the INPUT chain");
    }
    try {
      if (iptables("-C") != 0 && iptables("-I") != 0) {
        return Optional.of("iptables refused the rule that keeps workspaces off this host");
      }
      inPlace = true;
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("no iptables to keep workspaces off this host (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while setting the host's firewall rule");
    }
  }

  private int iptables(String action) throws IOException, InterruptedException {
    return iptables(
        List.of(
            action,
            "INPUT",
            "-s",
            subnets,
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            COMMENT,
            "-j",
            "DROP"));
  }

  /** Runs {@code iptables -w 5 ARGS}; returns its exit status. */
  static int iptables(List<String> args) throws IOException, InterruptedException {
    String iptables =
        java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/sbin/iptables"))
            ? "/usr/sbin/iptables"
            : "iptables";
    List<String> command = new ArrayList<>(List.of(iptables, "-w", "5"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    CleanEnvironment.of(builder, "PATH");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("iptables did not finish: " + output.strip());
    }
    return process.exitValue();
  }
}
