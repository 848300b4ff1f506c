package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP over a Unix socket that talks only to the process of one uid. A socket path is a name, and
 * the folder that holds it may once have been the candidate's: a path that led to another socket
 * (the host's Docker socket, another workspace's code-server) made Prequel, as root, a client of
 * that socket on the candidate's behalf (issue 11, attack 1). So each new connection asks the
 * kernel who is at the other end ({@code SO_PEERCRED}, the credentials of the process that called
 * {@code listen}) and is refused before a byte is sent unless that is the workspace's own user.
 *
 * <p>Once per new connection, never per request: Jetty pools the connections and this runs where
 * the connected channel becomes an endpoint.
 */
final class PeerCheckedUnix extends Transport.TCPUnix {

  private static final Logger LOG = LoggerFactory.getLogger(PeerCheckedUnix.class);

  /** The principals of the uids seen so far: a bounded set (the machine's workspace users). */
  private static final Map<Integer, UserPrincipal> PRINCIPALS = new ConcurrentHashMap<>();

  private final Path path;
  private final int uid;

  PeerCheckedUnix(Path path, int uid) {
    super(path);
    if (uid == Workspace.ANY_PEER) {
      throw new IllegalArgumentException("a peer-checked socket needs a uid");
    }
    this.path = path;
    this.uid = uid;
  }

  @Override
  public EndPoint newEndPoint(
      Scheduler scheduler,
      ManagedSelector selector,
      SelectableChannel selectable,
      SelectionKey selectionKey) {
    UnixDomainPrincipal peer;
    try {
      peer = ((SocketChannel) selectable).getOption(ExtendedSocketOptions.SO_PEERCRED);
    } catch (IOException e) {
      WrongPeerException refused =
          new WrongPeerException(path, "its peer cannot be told (" + e.getMessage() + ")");
      failConnect(selectionKey, refused);
      throw refused;
    }
    if (!peer.user().equals(principalOf(uid))) {
      WrongPeerException refused =
          new WrongPeerException(
              path, "its peer is user " + peer.user().getName() + ", not the workspace's " + uid);
      LOG.warn("refused a workspace connection: {}", refused.getMessage());
      failConnect(selectionKey, refused);
      throw refused;
    }
    return super.newEndPoint(scheduler, selector, selectable, selectionKey);
  }

  /**
   * Fails the connection's promise. Jetty connects Unix sockets at once and hands the channel over
   * as "accepted"; a failure there only closes the channel and the request would wait out its whole
   * timeout, so the request is failed here, with the reason, before the channel is closed.
   */
  private static void failConnect(SelectionKey key, WrongPeerException refused) {
    if (key.attachment() instanceof Map<?, ?> context
        && context.get(ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY)
            instanceof Promise<?> promise) {
      promise.failed(refused);
    }
  }

  /**
   * The JDK's principal for a numeric uid (principals compare by uid). A name made only of digits
   * would be looked up as a name first; useradd refuses such names.
   */
  private static UserPrincipal principalOf(int uid) {
    return PRINCIPALS.computeIfAbsent(
        uid,
        id -> {
          try {
            return FileSystems.getDefault()
                .getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(id));
          } catch (IOException e) {
            throw new WrongPeerException(null, "uid " + id + " cannot be looked up");
          }
        });
  }

  // Jetty pools connections by origin, and the transport is part of it: the uid must be too.
  @Override
  public boolean equals(Object other) {
    return other instanceof PeerCheckedUnix that && that.uid == uid && super.equals(other);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), uid);
  }

  /** A workspace socket answered by another process than the workspace's own. */
  static final class WrongPeerException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    WrongPeerException(Path path, String why) {
      super("workspace socket " + path + " refused: " + why);
    }
  }
}
