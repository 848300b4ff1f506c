package dev.prequel.proxy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.io.Transport;

/**
 * Where a workspace answers: {@code http://host:port} over TCP, or {@code unix:///path/to.sock} for
 * HTTP over a Unix-domain socket (a sandboxed workspace has no network the proxy could reach).
 */
final class Backend {

  /** The host name requests over a Unix socket carry in their URI; Host keeps the browser's. */
  static final String UNIX_HOST = "localhost";

  private Backend() {}

  /** The socket of a {@code unix:} endpoint. */
  static Optional<Path> unixSocket(URI endpoint) {
    return "unix".equalsIgnoreCase(endpoint.getScheme())
        ? Optional.of(Path.of(endpoint.getPath()))
        : Optional.empty();
  }

  /** The transport to reach this endpoint by; null for plain TCP. */
  static Transport transportTo(URI endpoint) {
    return unixSocket(endpoint).<Transport>map(Transport.TCPUnix::new).orElse(null);
  }

  /**
   * A tag for requests whose transport cannot be set directly (the WebSocket client builds its
   * upgrade request itself, but copies the tag).
   */
  record UnixSocket(Path path) {}

  /**
   * An HTTP client that sends a request tagged with a {@link UnixSocket} over that socket, and any
   * other over TCP.
   */
  static HttpClient unixAwareClient() {
    return new HttpClient(
        new HttpClientTransportOverHTTP() {
          @Override
          public Origin newOrigin(Request request) {
            if (request.getTransport() == null && request.getTag() instanceof UnixSocket socket) {
              request.transport(new Transport.TCPUnix(socket.path()));
            }
            return super.newOrigin(request);
          }
        });
  }
}
