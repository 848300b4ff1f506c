package dev.prequel.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * One side of a {@link WebSocketTunnel}: reads its connection and writes what it read to the other
 * side, then reads again, on the thread that was told the side is readable, since nothing here
 * blocks. Reading again only once the write is done is the backpressure.
 */
final class WebSocketPipe extends AbstractConnection.NonBlocking implements Connection.UpgradeTo {
  /** Per direction and WebSocket; nginx reads 4 to 8 KiB at a time. */
  private static final int BUFFER_SIZE = 16 * 1024;

  private final ByteBuffer buffer = BufferUtil.allocateDirect(BUFFER_SIZE);
  private final Callback written = Callback.from(this::onWritten, this::onFailed);
  private final Set<EndPoint> open;
  private WebSocketPipe peer;

  /** Bytes that arrived together with the upgrade, to be passed on before any other. */
  private ByteBuffer early;

  /**
   * @param open where the pipe notes its connection while it is open
   */
  WebSocketPipe(EndPoint endPoint, Executor executor, Set<EndPoint> open) {
    super(endPoint, executor);
    this.open = open;
  }

  /** The other side, which gets what this one reads. */
  void connect(WebSocketPipe other) {
    this.peer = other;
  }

  /** Bytes to pass on before any this side reads (they came with the upgrade's answer). */
  void sendFirst(ByteBuffer bytes) {
    this.early = bytes;
  }

  @Override
  public void onUpgradeTo(ByteBuffer prefilled) {
    if (BufferUtil.hasContent(prefilled)) {
      early = BufferUtil.copy(prefilled);
    }
  }

  @Override
  public void onOpen() {
    super.onOpen();
    open.add(getEndPoint());
    ByteBuffer first = early;
    early = null;
    if (first != null) {
      peer.getEndPoint().write(written, first);
    } else {
      fillInterested();
    }
  }

  @Override
  public void onFillable() {
    try {
      BufferUtil.clear(buffer);
      int filled = getEndPoint().fill(buffer);
      if (filled > 0) {
        peer.getEndPoint().write(written, buffer);
      } else if (filled == 0) {
        fillInterested();
      } else {
        // Orderly end of one direction: the other may still be sending (a close frame's answer).
        peer.getEndPoint().shutdownOutput();
        if (getEndPoint().isOutputShutdown()) {
          closeBoth(null);
        }
      }
    } catch (IOException | RuntimeException e) {
      closeBoth(e);
    }
  }

  private void onWritten() {
    fillInterested();
  }

  private void onFailed(Throwable failure) {
    closeBoth(failure);
  }

  @Override
  public boolean onIdleExpired(TimeoutException timeout) {
    closeBoth(timeout);
    return true;
  }

  private void closeBoth(Throwable failure) {
    getEndPoint().close(failure);
    peer.getEndPoint().close(failure);
  }

  @Override
  public void onClose(Throwable cause) {
    super.onClose(cause);
    open.remove(getEndPoint());
    peer.getEndPoint().close(cause);
  }
}
