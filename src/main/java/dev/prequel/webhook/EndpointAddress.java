package dev.prequel.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/** Whether a webhook's host is on Prequel's own network rather than out on the internet. */
final class EndpointAddress {

  private EndpointAddress() {}

  /**
   * The first private address the host names or resolves to: loopback, link-local (169.254/16, the
   * cloud's metadata service), RFC 1918, carrier-grade NAT (100.64/10), unique-local IPv6, any or
   * multicast. Empty for a public host, and for a name that does not resolve now (its delivery
   * fails and is retried).
   */
  static Optional<String> privateOne(String host, WebhookClient.Lookup lookup) {
    InetAddress[] all;
    try {
      all = lookup.all(bare(host));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    for (InetAddress a : all) {
      if (isPrivate(a)) {
        return Optional.of(a.getHostAddress());
      }
    }
    return Optional.empty();
  }

  /** The host without an IPv6 literal's brackets. */
  static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  static boolean isPrivate(InetAddress a) {
    if (a.isAnyLocalAddress()
        || a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || (first == 100 && second >= 64 && second < 128);
    }
    return a instanceof Inet6Address && (b[0] & 0xfe) == 0xfc; // fc00::/7
  }
}
