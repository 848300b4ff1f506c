package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Transport;

/**
 * Where a workspace answers: {@code http://host:port} over TCP, or {@code unix:///path/to.sock} for
 * HTTP over a Unix-domain socket (a sandboxed workspace has no network the proxy could reach).
 */
final class Backend {

  /** The host name requests over a Unix socket carry in their URI; Host keeps the browser's. */
  static final String UNIX_HOST = "localhost";

  /** Transports made so far, by workspace (its socket and the uid that must answer there). */
  private static final Map<Workspace, Transport> TRANSPORTS = new ConcurrentHashMap<>();

  private static final int MAX_TRANSPORTS = 4096;

  private Backend() {}

  /** The socket of a {@code unix:} endpoint. */
  static Optional<Path> unixSocket(URI endpoint) {
    return "unix".equalsIgnoreCase(endpoint.getScheme())
        ? Optional.of(Path.of(endpoint.getPath()))
        : Optional.empty();
  }

  /**
   * The transport to reach this workspace by; null for plain TCP. A Unix socket whose peer the
   * runtime names is checked at each new connection ({@link PeerCheckedUnix}).
   */
  static Transport transportTo(Workspace workspace) {
    if (!"unix".equalsIgnoreCase(workspace.endpoint().getScheme())) {
      return null;
    }
    // One per workspace, not one per request: this runs on every proxied request.
    Transport known = TRANSPORTS.get(workspace);
    if (known == null) {
      if (TRANSPORTS.size() >= MAX_TRANSPORTS) {
        TRANSPORTS.clear(); // ended workspaces; live ones are made again on their next request
      }
      known = unixTransport(Path.of(workspace.endpoint().getPath()), workspace.peerUid());
      TRANSPORTS.put(workspace, known);
    }
    return known;
  }

  private static Transport unixTransport(Path path, int peerUid) {
    return peerUid == Workspace.ANY_PEER
        ? new Transport.TCPUnix(path)
        : new PeerCheckedUnix(path, peerUid);
  }

  /** Whether a failure, or one of its causes, is a connection refused for its peer. */
  static boolean wrongPeer(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PeerCheckedUnix.WrongPeerException) {
        return true;
      }
    }
    return false;
  }
}
