package dev.prequel.runtime;

import java.net.URI;
import java.time.Instant;

/**
 * A running workspace as seen from outside.
 *
 * @param interviewId the interview that owns it
 * @param endpoint where the proxy connects: {@code http://127.0.0.1:41234} over TCP, or {@code
 *     unix:///path/to/code-server.sock} for a Unix-domain socket (HTTP over it)
 * @param startedAt when its process started
 * @param peerUid for a Unix socket, the only uid whose process may answer on it (the workspace's
 *     own user): the proxy checks each new connection's peer against it and refuses any other, so a
 *     socket path that leads somewhere else never reaches a candidate; {@link #ANY_PEER} when the
 *     runtime cannot say (TCP endpoints)
 */
public record Workspace(String interviewId, URI endpoint, Instant startedAt, int peerUid) {

  /** No peer check: for endpoints whose peer the runtime cannot name. */
  public static final int ANY_PEER = -1;

  public Workspace {
    if (peerUid < ANY_PEER) {
      throw new IllegalArgumentException("peerUid must be a uid or ANY_PEER: " + peerUid);
    }
  }

  /** A workspace whose peer is not checked. */
  public Workspace(String interviewId, URI endpoint, Instant startedAt) {
    this(interviewId, endpoint, startedAt, ANY_PEER);
  }
}
