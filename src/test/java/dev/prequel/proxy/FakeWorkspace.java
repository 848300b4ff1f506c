package dev.prequel.proxy;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A stand-in for code-server: echoes what it was sent, and refuses WebSockets whose Origin is not
 * the Host.
 */
final class FakeWorkspace {
  static final String GZIP_TEXT = "compressed hello ".repeat(200);

  /** "code reason" of every close the workspace saw, from all tests. */
  final Queue<String> closesReceived = new ConcurrentLinkedQueue<>();

  final BlockingQueue<HttpFields> upgradeHeaders = new LinkedBlockingQueue<>();
  final CountDownLatch releaseStream = new CountDownLatch(1);

  /** The path of every HTTP request that reached this workspace, in order. */
  final Queue<String> requests = new ConcurrentLinkedQueue<>();

  private final Server server = new Server();

  private final java.nio.file.Path socket;

  FakeWorkspace() throws Exception {
    this(null);
  }

  /** Listens on 127.0.0.1 and, when {@code socket} is given, also on that Unix socket. */
  FakeWorkspace(java.nio.file.Path socket) throws Exception {
    this.socket = socket;
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    if (socket != null) {
      var unix = new org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector(server);
      unix.setUnixDomainPath(socket);
      server.addConnector(unix);
    }
    WebSocketUpgradeHandler webSockets =
        WebSocketUpgradeHandler.from(
            server,
            container -> {
              container.setMaxBinaryMessageSize(32 * 1024 * 1024);
              container.setMaxTextMessageSize(32 * 1024 * 1024);
              container.addMapping(
                  "/ws",
                  (request, response, callback) -> {
                    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
                    String host = request.getHeaders().get(HttpHeader.HOST);
                    upgradeHeaders.add(HttpFields.build(request.getHeaders()).asImmutable());
                    if (origin == null || !host.equals(URI.create(origin).getRawAuthority())) {
                      Response.writeError(
                          request,
                          response,
                          callback,
                          403,
                          "host \"" + host + "\" does not match origin");
                      return null;
                    }
                    if (!request.getSubProtocols().isEmpty()) {
                      response.setAcceptedSubProtocol(request.getSubProtocols().get(0));
                    }
                    return new Echo();
                  });
            });
    webSockets.setHandler(new Routes());
    server.setHandler(webSockets);
    server.start();
  }

  URI endpoint() {
    return URI.create(
        "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
  }

  /** The Unix-socket endpoint, as the local runtime reports a sandboxed workspace's. */
  URI unixEndpoint() {
    return URI.create("unix://" + socket.toAbsolutePath());
  }

  void stop() throws Exception {
    server.stop();
  }

  private final class Routes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      requests.add(Request.getPathInContext(request));
      switch (Request.getPathInContext(request)) {
        case "/healthz" -> Content.Sink.write(response, true, "{\"status\":\"alive\"}", callback);
        case "/echo" -> {
          StringBuilder body = new StringBuilder();
          for (HttpField field : request.getHeaders()) {
            body.append(field.getName()).append(": ").append(field.getValue()).append('\n');
          }
          Content.Sink.write(response, true, body.toString(), callback);
        }
        case "/gzip" -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(GZIP_TEXT.getBytes(StandardCharsets.UTF_8));
          }
          response.getHeaders().put(HttpHeader.CONTENT_ENCODING, "gzip");
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
          response.write(true, ByteBuffer.wrap(bytes.toByteArray()), callback);
        }
        case "/stream" -> {
          Callback.Completable first = new Callback.Completable();
          Content.Sink.write(response, false, "first part\n", first);
          first.get(10, TimeUnit.SECONDS);
          // Released only once the client has read the first part: if anything on the way
          // buffers it, the latch times out and the client sees that instead of the second part.
          boolean released = releaseStream.await(10, TimeUnit.SECONDS);
          Content.Sink.write(
              response, true, released ? "second part\n" : "never released\n", callback);
        }
        default -> {
          return false;
        }
      }
      return true;
    }
  }

  /** Echoes messages; "close CODE REASON" makes it close the socket with that code. */
  public final class Echo extends Session.Listener.AbstractAutoDemanding {
    @Override
    public void onWebSocketText(String message) {
      if (message.startsWith("close ")) {
        String[] parts = message.split(" ", 3);
        getSession()
            .close(
                Integer.parseInt(parts[1]),
                parts[2],
                org.eclipse.jetty.websocket.api.Callback.NOOP);
      } else {
        getSession().sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
      }
    }

    @Override
    public void onWebSocketBinary(
        ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
      ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
      callback.succeed();
      getSession().sendBinary(copy, org.eclipse.jetty.websocket.api.Callback.NOOP);
    }

    @Override
    public void onWebSocketClose(
        int statusCode, String reason, org.eclipse.jetty.websocket.api.Callback callback) {
      closesReceived.add(statusCode + " " + reason);
      callback.succeed();
    }
  }
}
