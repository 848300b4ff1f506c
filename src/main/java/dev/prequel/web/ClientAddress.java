package dev.prequel.web;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * Who is at the other end of a request: the address sign-in throttling and the audit log count.
 *
 * <p>Behind a load balancer every request arrives from the balancer's address, so counting the
 * connection's address would let one person's wrong passwords lock everyone out. The operator names
 * the proxies they run ({@code PREQUEL_TRUSTED_PROXIES}); only when the connection comes from one
 * of them is {@code X-Forwarded-For} read, right to left, skipping those proxies: the first address
 * that is not one of them is the one the outermost trusted proxy saw. Anything left of it was
 * written by the client and is ignored, so a client cannot pick the address it is counted under.
 */
public final class ClientAddress {

  /** Literal addresses only: a name must never cause a DNS lookup while a request is handled. */
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  private final InetAddressSet trusted = new InetAddressSet();
  private final boolean any;

  private ClientAddress(List<String> trustedProxies) {
    for (String p : trustedProxies) {
      if (!isPattern(p) || !add(p)) {
        throw new IllegalArgumentException(
            "'" + p + "' is not an address, a range (a-b) or a CIDR block (a/n)");
      }
    }
    this.any = !trustedProxies.isEmpty();
  }

  /**
   * From a comma-separated list of addresses, ranges and CIDR blocks ({@code 10.0.0.0/8,
   * 192.168.1.10}); empty or null: no proxy is trusted and the connection's address counts.
   */
  public static ClientAddress trusting(String trustedProxies) {
    if (trustedProxies == null || trustedProxies.isBlank()) {
      return new ClientAddress(List.of());
    }
    return new ClientAddress(
        List.of(trustedProxies.split(",", -1)).stream().map(String::strip).toList());
  }

  /** The client's address given the connection's and the {@code X-Forwarded-For} header's. */
  public String of(String remoteAddress, String forwardedFor) {
    if (!any || forwardedFor == null || !isTrusted(remoteAddress)) {
      return remoteAddress;
    }
    String[] hops = forwardedFor.split(",", -1);
    for (int i = hops.length - 1; i >= 0; i--) {
      Optional<InetAddress> hop = literal(hops[i]);
      if (hop.isEmpty()) {
        return remoteAddress; // a trusted proxy wrote something that is not an address
      }
      if (!trusted.test(hop.get())) {
        return hop.get().getHostAddress();
      }
    }
    return remoteAddress; // every hop is one of ours: the request came from inside
  }

  /** Literal addresses only: Jetty's set would look a host name up. */
  private static boolean isPattern(String p) {
    String[] cidr = p.split("/", -1);
    if (cidr.length == 2) {
      return literal(cidr[0]).isPresent() && cidr[1].matches("\\d{1,3}");
    }
    String[] range = p.split("-", -1);
    return range.length <= 2 && List.of(range).stream().allMatch(a -> literal(a).isPresent());
  }

  private boolean add(String pattern) {
    try {
      return trusted.add(pattern);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private boolean isTrusted(String address) {
    return literal(address).map(trusted::test).orElse(false);
  }

  private static Optional<InetAddress> literal(String text) {
    String s = text.strip();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(InetAddress.getByName(s));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}
