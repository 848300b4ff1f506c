package dev.prequel.testing;

import dev.prequel.runtime.Workspace;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Whether a workspace's code-server answers on its Unix socket, as the proxy reaches it. */
public final class SocketHealth {

  private SocketHealth() {}

  /** GET /healthz over the workspace's socket: true on a 200, false on anything else. */
  public static boolean answers(Workspace w) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(Path.of(w.endpoint().getPath())));
      channel.write(
          ByteBuffer.wrap(
              "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buffer = ByteBuffer.allocate(256);
      channel.read(buffer);
      return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII)
          .startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }
}
