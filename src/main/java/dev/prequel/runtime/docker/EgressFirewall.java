package dev.prequel.runtime.docker;

import dev.prequel.runtime.Outbound;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What a workspace with egress (a challenge that asks for it, where {@code
 * PREQUEL_WORKSPACE_OUTBOUND} allows it) may not reach through its network's way out: other
 * workspaces, the private ranges (the host's own networks, other machines of the site), link-local
 * addresses (169.254.169.254, the cloud's metadata service, hands out credentials), carrier-grade
 * NAT, loopback and multicast. Rules in Docker's {@code DOCKER-USER} chain (which the engine keeps
 * first in {@code FORWARD}, for operators' rules) drop new connections from the workspaces' range
 * to each of these, under the comment {@value #COMMENT}; the host itself is {@link HostFirewall}'s.
 * One more drops every new connection forwarded <em>to</em> the range: a network with a way out is
 * routable, and another machine that routes the range through this host would otherwise reach
 * code-server (which has no password) directly; the proxy's own connections start on this host and
 * are never forwarded. Installed once, idempotently (checked, then inserted); a workspace gets
 * egress only once they are in place, else none.
 */
final class EgressFirewall {
  static final String COMMENT = "prequel-workspaces-egress";

  private final String subnets;
  private final String dockerHost;
  private volatile boolean inPlace;

  /**
   * @param dockerHost {@code DOCKER_HOST}: a remote engine's rules are not this machine's
   */
  EgressFirewall(String subnets, String dockerHost) {
    this.subnets = subnets;
    this.dockerHost = dockerHost;
  }

  /** Puts the rules in place when missing; empty once they are, else why not. */
  synchronized Optional<String> ensure() {
    if (inPlace) {
      return Optional.empty();
    }
    if (DockerEngine.remote(dockerHost)) {
      return Optional.of(
          "the engine is remote ("
              + dockerHost
              + "): the rules that keep egress off private addresses belong on its machine");
    }
    try {
      List<List<String>> matches = new ArrayList<>();
      matches.add(List.of("-d", subnets));
      for (String destination : prohibited()) {
        matches.add(List.of("-s", subnets, "-d", destination));
      }
      for (List<String> match : matches) {
        if (rule("-C", match, "DROP") != 0 && rule("-I", match, "DROP") != 0) {
          return Optional.of(
              "iptables refused the DOCKER-USER rules that keep egress off private addresses"
                  + " (does the engine manage iptables?)");
        }
      }
      // The engine's DNS forwards a container's queries from the container's own network: the
      // host's resolvers (often private addresses) must answer them. Inserted last: checked first.
      for (String resolver : resolvers()) {
        for (String protocol : List.of("udp", "tcp")) {
          List<String> match =
              List.of("-s", subnets, "-d", resolver, "-p", protocol, "--dport", "53");
          if (rule("-C", match, "ACCEPT") != 0 && rule("-I", match, "ACCEPT") != 0) {
            return Optional.of("iptables refused the DOCKER-USER rule for DNS to " + resolver);
          }
        }
      }
      inPlace = true;
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(
          "no iptables to keep egress off private addresses (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while setting the egress firewall rules");
    }
  }

  /**
   * {@link Outbound#PROHIBITED}, and the networks of the host's own public addresses: the other
   * machines beside it. (The host itself is dropped in {@code INPUT}, by {@link HostFirewall}.)
   */
  static List<String> prohibited() throws IOException {
    List<String> ranges = new ArrayList<>(Outbound.PROHIBITED);
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InterfaceAddress a : nic.getInterfaceAddresses()) {
        if (a.getAddress() instanceof Inet4Address address
            && !address.isLoopbackAddress()
            && !address.isSiteLocalAddress()
            && !address.isLinkLocalAddress()) {
          int bits = Math.max(16, a.getNetworkPrefixLength()); // never more than a /16 of others
          byte[] raw = address.getAddress();
          int value = java.nio.ByteBuffer.wrap(raw).getInt() & (-1 << (32 - bits));
          String network =
              InetAddress.getByAddress(java.nio.ByteBuffer.allocate(4).putInt(value).array())
                  .getHostAddress();
          ranges.add(network + "/" + bits);
        }
      }
    }
    return ranges;
  }

  /** The host's IPv4 name servers, which the engine's DNS forwards to. */
  static List<String> resolvers() throws IOException {
    Path conf = Path.of("/etc/resolv.conf");
    if (!Files.isRegularFile(conf)) {
      return List.of();
    }
    return Files.readAllLines(conf).stream()
        .map(String::strip)
        .filter(line -> line.startsWith("nameserver"))
        .map(line -> line.substring("nameserver".length()).strip())
        .filter(address -> address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"))
        .filter(address -> !address.startsWith("127."))
        .map(address -> address + "/32")
        .toList();
  }

  private static int rule(String action, List<String> match, String target)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of(action, "DOCKER-USER"));
    args.addAll(match);
    args.addAll(
        List.of(
            "-m",
            "conntrack",
            "--ctstate",
            "NEW",
            "-m",
            "comment",
            "--comment",
            COMMENT,
            "-j",
            target));
    return HostFirewall.iptables(args);
  }
}
