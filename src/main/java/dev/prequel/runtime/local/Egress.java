package dev.prequel.runtime.local;

import dev.prequel.runtime.CleanEnvironment;
import dev.prequel.runtime.Outbound;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Outbound network for a workspace whose challenge asks for {@code egress}, without the host's: a
 * network namespace of its own (kept as a bind mount in {@code data/netns/{folder}}, so setup,
 * checks and a restarted code-server join the same one), its traffic NATed by slirp4netns
 * (user-mode TCP/IP: the workspace's connections become the host's ordinary sockets). Inside, the
 * workspace sees {@code tap0} (10.0.2.100, gateway 10.0.2.2, DNS 10.0.2.3) and cannot reach:
 *
 * <ul>
 *   <li>the host's loopback (the portal, a database on 127.0.0.1): slirp4netns {@code
 *       --disable-host-loopback}, a "prohibit" route on slirp4netns's own network but its DNS
 *       forwarder (so 10.0.2.2 is refused by the kernel, before slirp4netns sees it), and its own
 *       {@code lo} is its own;
 *   <li>the host's other addresses, private networks, link-local addresses (169.254.169.254, the
 *       cloud's metadata service), shared and multicast ranges: "prohibit" routes set as root in
 *       the namespace before the workspace starts; its user has no capability to change them;
 *   <li>other workspaces (each has its own namespace) and the host's abstract Unix sockets (they
 *       belong to the host's network namespace).
 * </ul>
 *
 * slirp4netns runs as root in a mount namespace of its own ({@code --enable-sandbox} drops its
 * capabilities; without the private mount namespace around it, its sandbox set-up unmounted the
 * host's shared mounts, measured here with slirp4netns 1.2.0) and outlives a Prequel restart: its
 * pid is kept beside the namespace.
 */
final class Egress {

  /** Ranges a workspace's egress never reaches (besides the host's own addresses). */
  static final List<String> PROHIBITED = Outbound.PROHIBITED;

  /** slirp4netns's DNS forwarder, the only address of its network a workspace reaches. */
  static final String DNS = "10.0.2.3";

  /** slirp4netns's network (10.0.2.0/24), in halves more specific than its link route. */
  static final List<String> SLIRP_NETWORK_PROHIBITED = List.of("10.0.2.0/25", "10.0.2.128/25");

  static final String RESOLV_CONF = "nameserver " + DNS + "\n";
  private static final long READY_MILLIS = 10_000;

  private final Path dir;
  private final String missing;

  /**
   * @param dir where the namespaces, slirp4netns's pid files and logs live (made 0700)
   * @param sandboxed without a sandbox, egress means the host's own network
   */
  Egress(Path dir, boolean sandboxed) {
    this.dir = dir;
    this.missing =
        !sandboxed
            ? "workspaces are not sandboxed"
            : Isolation.find("slirp4netns").isEmpty()
                ? "slirp4netns is missing (apt-get install -y slirp4netns)"
                : Isolation.find("nsenter").isEmpty() || Isolation.find("unshare").isEmpty()
                    ? "nsenter is missing (apt-get install -y util-linux)"
                    : Isolation.find("ip").isEmpty()
                        ? "ip is missing (apt-get install -y iproute2)"
                        : null;
  }

  /** Why egress workspaces cannot start here, or empty. */
  Optional<String> missing() {
    return Optional.ofNullable(missing);
  }

  /** The namespace's file (a bind mount of it). */
  Path namespace(InterviewFolder folder) {
    return dir.resolve(folder.interviewId());
  }

  /** The resolver the workspace sees as /etc/resolv.conf: slirp4netns's DNS forwarder. */
  Path resolvConf() {
    return dir.resolve("resolv.conf");
  }

  /** The prefix that runs the rest of a command in the workspace's namespace. */
  List<String> enter(InterviewFolder folder) {
    return List.of(tool("nsenter"), "--net=" + namespace(folder));
  }

  /**
   * Makes the workspace's namespace and starts its slirp4netns, or adopts those already there.
   *
   * @return what it got, for the interview's log
   */
  String attach(InterviewFolder folder) throws IOException, InterruptedException {
    if (missing != null) {
      throw new IllegalStateException("the challenge asks for egress, but " + missing);
    }
    long started = System.nanoTime();
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    if (!Files.exists(resolvConf())) {
      Files.writeString(resolvConf(), RESOLV_CONF, StandardCharsets.UTF_8);
    }
    Path ns = namespace(folder);
    if (!DiskQuota.mounted(ns)) {
      Files.deleteIfExists(ns);
      Files.createFile(ns);
      run(List.of(tool("unshare"), "--net=" + ns, "true"));
      for (String range : prohibited()) {
        run(inNamespace(folder, "ip", "route", "add", "prohibit", range));
      }
    }
    if (slirp(folder).isEmpty()) {
      startSlirp(folder);
    }
    // slirp4netns's --configure adds 10.0.2.0/24 on tap0, more specific than "prohibit 10.0.0.0/8":
    // without these, 10.0.2.x reached the host's own network of that name through slirp, and
    // 10.0.2.2 (the host's loopback, refused by --disable-host-loopback) was sometimes answered as
    // connected by libslirp 4.7 (its refusal leaves errno as it was). Only DNS stays on the link;
    // the gateway is used as a next hop, never as a destination. Replaced, so a restarted
    // slirp4netns's namespace gets them again without "File exists".
    for (String range : SLIRP_NETWORK_PROHIBITED) {
      run(inNamespace(folder, "ip", "route", "replace", "prohibit", range));
    }
    run(inNamespace(folder, "ip", "route", "replace", DNS + "/32", "dev", "tap0", "scope", "link"));
    return "network: a namespace of its own, outbound through slirp4netns (not to the host, private"
        + " or link-local addresses), ready in "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
        + " ms";
  }

  /** Stops the workspace's slirp4netns and removes its namespace; safe to call again. */
  void release(InterviewFolder folder) throws IOException, InterruptedException {
    Optional<ProcessHandle> slirp = slirp(folder);
    if (slirp.isPresent()) {
      slirp.get().destroy();
      try {
        slirp.get().onExit().get(5, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        slirp.get().destroyForcibly();
      }
    }
    Path ns = namespace(folder);
    if (DiskQuota.mounted(ns)) {
      run(List.of(tool("umount"), ns.toString()));
    }
    Files.deleteIfExists(ns);
    Files.deleteIfExists(pidFile(folder));
    Files.deleteIfExists(logFile(folder));
  }

  /** The ranges and the host's own IPv4 addresses. */
  private static List<String> prohibited() throws IOException {
    List<String> ranges = new ArrayList<>(PROHIBITED);
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          ranges.add(address.getHostAddress() + "/32");
        }
      }
    }
    return ranges;
  }

  private void startSlirp(InterviewFolder folder) throws IOException, InterruptedException {
    Path log = logFile(folder);
    Files.deleteIfExists(log);
    List<String> command = new ArrayList<>();
    Isolation.find("setsid").ifPresent(p -> command.add(p.toString())); // outlives a restart
    command.addAll(
        List.of(
            tool("unshare"),
            "--mount",
            "--propagation",
            "private",
            tool("slirp4netns"),
            "--configure",
            "--mtu=65520",
            "--disable-host-loopback",
            "--enable-sandbox",
            "--enable-seccomp",
            "--netns-type=path",
            namespace(folder).toString(),
            "tap0"));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    CleanEnvironment.of(builder).put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    Process process = builder.start();
    Files.writeString(pidFile(folder), Long.toString(process.pid()), StandardCharsets.UTF_8);
    // Ready once its parent has the configured tap device's descriptor ("received tapfd").
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_MILLIS);
    while (!Files.readString(log, StandardCharsets.UTF_8).contains("received tapfd")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        throw new IOException(
            "slirp4netns did not start: " + Files.readString(log, StandardCharsets.UTF_8).strip());
      }
      Thread.sleep(10); // a poll of its log, at most READY_MILLIS
    }
  }

  /** The workspace's running slirp4netns, from its pid file (checked against its command line). */
  private Optional<ProcessHandle> slirp(InterviewFolder folder) {
    try {
      long pid = Long.parseLong(Files.readString(pidFile(folder), StandardCharsets.UTF_8).strip());
      String ns = namespace(folder).toString();
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(p -> ProcessTree.commandLine(p).contains(ns));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private List<String> inNamespace(InterviewFolder folder, String... command) {
    List<String> full = new ArrayList<>(enter(folder));
    full.add(tool(command[0]));
    full.addAll(List.of(command).subList(1, command.length));
    return full;
  }

  private Path pidFile(InterviewFolder folder) {
    return dir.resolve(folder.interviewId() + ".slirp.pid");
  }

  private Path logFile(InterviewFolder folder) {
    return dir.resolve(folder.interviewId() + ".slirp.log");
  }

  private static String tool(String name) {
    return Isolation.find(name).map(Path::toString).orElse(name);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    byte[] out = p.getInputStream().readNBytes(16 * 1024);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(
          String.join(" ", command)
              + " failed: "
              + new String(out, StandardCharsets.UTF_8).strip());
    }
  }
}
