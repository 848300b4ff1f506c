package dev.prequel.webhook;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Posts deliveries to endpoints, connecting only to the addresses it checked: the name is resolved
 * once per connection, by the client's own resolver, and refused when any address is on Prequel's
 * own network (unless allowed). Checking first and letting a client resolve again would let a name
 * that flips between a public and a private address (DNS rebinding) through.
 */
final class WebhookClient implements AutoCloseable {

  /** How host names are resolved: the system's resolver, or a test's. */
  interface Lookup {
    InetAddress[] all(String host) throws UnknownHostException;
  }

  static final Lookup SYSTEM = InetAddress::getAllByName;

  private final HttpClient http = new HttpClient();
  private final Duration timeout;

  WebhookClient(Lookup lookup, boolean privateAddresses, Duration timeout) {
    this.timeout = timeout;
    QueuedThreadPool threads = new QueuedThreadPool(8, 1);
    threads.setName("prequel-webhooks-http");
    threads.setDaemon(true);
    http.setExecutor(threads);
    http.setFollowRedirects(false);
    http.setConnectTimeout(timeout.toMillis());
    http.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "Prequel-Webhooks"));
    http.setSocketAddressResolver(
        (host, port, context, promise) -> {
          try {
            promise.succeeded(addresses(lookup, privateAddresses, host, port));
          } catch (IOException e) {
            promise.failed(e);
          }
        });
    try {
      http.start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the webhooks' HTTP client", e);
    }
  }

  /** Every address of the host, or a refusal when one of them is private (and not allowed). */
  static List<InetSocketAddress> addresses(
      Lookup lookup, boolean privateAddresses, String host, int port) throws IOException {
    InetAddress[] all = lookup.all(EndpointAddress.bare(host));
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (InetAddress a : all) {
      if (!privateAddresses && EndpointAddress.isPrivate(a)) {
        throw new ConnectException(
            "refused: " + host + " is a private address (" + a.getHostAddress() + ")");
      }
      addresses.add(new InetSocketAddress(a, port));
    }
    return addresses;
  }

  /** POSTs the JSON body with these headers; the endpoint's status. */
  int post(URI uri, Map<String, String> headers, String json) throws Exception {
    try {
      return http.newRequest(uri)
          .method(HttpMethod.POST)
          .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .headers(h -> headers.forEach(h::put))
          .body(new StringRequestContent("application/json", json, StandardCharsets.UTF_8))
          .send()
          .getStatus();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      // stopping: nothing is left to deliver through it
    }
  }
}
