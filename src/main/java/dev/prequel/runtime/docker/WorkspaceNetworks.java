package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Network;
import dev.prequel.runtime.Outbound;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One network per workspace: an {@code --internal} bridge holding only that container. The host
 * (its gateway, where the proxy runs) reaches code-server at the container's address; nothing else
 * does. Docker's isolation rules drop traffic between two bridges, so another workspace cannot
 * reach it, and an internal network has no route out, so it cannot reach the internet, other
 * workspaces or 169.254.169.254 either.
 *
 * <p>Each network gets a /28 of its own from {@code pool} (4096 in a /16): Docker's default address
 * pools hold only about 30 networks, far fewer than the workspaces of one machine.
 */
final class WorkspaceNetworks {

  private static final int BLOCK_BITS = 4; // a /28: 16 addresses, 13 usable
  private static final int ATTEMPTS = 20;

  private final DockerClient docker;
  private final int poolBase;
  private final int blocks;
  private final String pool;
  private final String scope;
  private final SecureRandom random = new SecureRandom();

  /** {@code pool}: an IPv4 CIDR of /16 to /24, e.g. {@code 10.213.0.0/16}. */
  WorkspaceNetworks(DockerClient docker, String pool, String scope) {
    this.docker = docker;
    this.scope = scope;
    this.pool = pool;
    String[] parts = pool.split("/", 2);
    if (parts.length != 2) {
      throw new IllegalArgumentException("the workspace address pool must be a CIDR: " + pool);
    }
    int prefix = Integer.parseInt(parts[1]);
    if (prefix < 8 || prefix > 24) {
      throw new IllegalArgumentException("the workspace address pool must be /8 to /24: " + pool);
    }
    this.poolBase = address(parts[0]) & (-1 << (32 - prefix));
    this.blocks = 1 << (32 - prefix - BLOCK_BITS);
  }

  static String name(String interviewId) {
    return WorkspaceContainer.name(interviewId);
  }

  /**
   * The workspace's network, made when missing; returns its name. With {@code EGRESS} it has a way
   * out (masqueraded), and {@link EgressFirewall} keeps it off the host, other workspaces and
   * private addresses.
   */
  String ensure(String interviewId, Outbound outbound) {
    String name = name(interviewId);
    if (find(name).isPresent()) {
      return name;
    }
    Set<Integer> used = usedBlocks();
    DockerException last = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int block = freeBlock(used);
      String subnet = dotted(poolBase + (block << BLOCK_BITS)) + "/" + (32 - BLOCK_BITS);
      try {
        docker
            .createNetworkCmd()
            .withName(name)
            .withDriver("bridge")
            .withInternal(outbound != Outbound.EGRESS)
            .withCheckDuplicate(true)
            .withLabels(WorkspaceContainer.labels(interviewId, scope))
            // one container per network: nobody on it to talk to, and no way to be reached
            .withOptions(Map.of("com.docker.network.bridge.enable_icc", "false"))
            .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)))
            .exec();
        return name;
      } catch (ConflictException e) {
        if (find(name).isPresent()) {
          return name; // made at the same time by another Prequel, or an earlier attempt
        }
        last = e;
      } catch (DockerException e) {
        // "Pool overlaps with other one on this address space": made meanwhile elsewhere
        used.add(block);
        last = e;
      }
    }
    throw new IllegalStateException(
        "no free subnet for workspace " + interviewId + " in " + pool + " after " + ATTEMPTS, last);
  }

  /** Removes the workspace's network (once its container is gone); nothing when there is none. */
  void remove(String interviewId) {
    try {
      docker.removeNetworkCmd(name(interviewId)).exec();
    } catch (NotFoundException e) {
      // already gone
    }
  }

  private Optional<Network> find(String name) {
    // the name filter matches substrings: compare exactly
    return docker.listNetworksCmd().withNameFilter(name).exec().stream()
        .filter(n -> name.equals(n.getName()))
        .findFirst();
  }

  private Set<Integer> usedBlocks() {
    Set<Integer> used = new HashSet<>();
    List<Network> networks = docker.listNetworksCmd().exec();
    for (Network network : networks) {
      if (network.getIpam() == null || network.getIpam().getConfig() == null) {
        continue;
      }
      network.getIpam().getConfig().stream()
          .map(Network.Ipam.Config::getSubnet)
          .filter(Objects::nonNull)
          .filter(s -> s.contains(".") && s.endsWith("/" + (32 - BLOCK_BITS)))
          .map(s -> address(s.substring(0, s.indexOf('/'))) - poolBase)
          .filter(offset -> offset >= 0 && (offset >> BLOCK_BITS) < blocks)
          .forEach(offset -> used.add(offset >> BLOCK_BITS));
    }
    return used;
  }

  // A random free block: two Prequels (or two threads) starting workspaces rarely pick the same.
  private int freeBlock(Set<Integer> used) {
    if (used.size() >= blocks) {
      throw new IllegalStateException("every subnet of " + pool + " is in use");
    }
    int start = random.nextInt(blocks);
    for (int i = 0; i < blocks; i++) {
      int block = (start + i) % blocks;
      if (!used.contains(block)) {
        used.add(block);
        return block;
      }
    }
    throw new IllegalStateException("every subnet of " + pool + " is in use");
  }

  private static int address(String dotted) {
    String[] octets = dotted.split("\\.", -1);
    if (octets.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted);
    }
    int value = 0;
    for (String octet : octets) {
      int part = Integer.parseInt(octet);
      if (part < 0 || part > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + dotted);
      }
      value = (value << 8) | part;
    }
    return value;
  }

  private static String dotted(int address) {
    return ((address >>> 24) & 255)
        + "."
        + ((address >>> 16) & 255)
        + "."
        + ((address >>> 8) & 255)
        + "."
        + (address & 255);
  }
}
