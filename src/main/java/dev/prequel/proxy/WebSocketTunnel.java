package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a browser's WebSocket to its workspace the way nginx does: the upgrade request goes to the
 * workspace first (its refusal, 401 or 403, reaches the browser as that status), and after the
 * workspace's 101 both connections carry the same bytes, unparsed. No frame is decoded, unmasked or
 * re-encoded, extensions and close codes are the browser's and code-server's own, and each read is
 * written on by the selector thread that saw it, with no hand-off to another thread per frame
 * ({@link WebSocketPipe}). A side reads again only once its last bytes were written to the other,
 * so a slow browser slows the workspace down instead of filling memory.
 */
final class WebSocketTunnel extends ContainerLifeCycle {

  private static final Logger LOG = LoggerFactory.getLogger(WebSocketTunnel.class);

  /** The workspace's answer to the upgrade, headers included, may be no longer than this. */
  static final int MAX_RESPONSE_HEAD = 16 * 1024;

  /** How long a workspace may take to answer an upgrade. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(15);

  // Hop-by-hop headers, plus Cookie (re-added without the portal's) and Forwarded (code-server
  // misreads it). Upgrade and Connection are written by the tunnel itself.
  private static final EnumSet<HttpHeader> NOT_FORWARDED =
      EnumSet.of(
          HttpHeader.CONNECTION,
          HttpHeader.KEEP_ALIVE,
          HttpHeader.PROXY_AUTHORIZATION,
          HttpHeader.PROXY_CONNECTION,
          HttpHeader.TE,
          HttpHeader.TRAILER,
          HttpHeader.TRANSFER_ENCODING,
          HttpHeader.UPGRADE,
          HttpHeader.CONTENT_LENGTH,
          HttpHeader.COOKIE,
          HttpHeader.FORWARDED,
          HttpHeader.X_FORWARDED_FOR,
          HttpHeader.X_FORWARDED_HOST,
          HttpHeader.X_FORWARDED_PROTO);

  // Of the workspace's 101, what the browser must not get: the connection's own headers, which
  // Jetty writes itself.
  private static final EnumSet<HttpHeader> NOT_RETURNED =
      EnumSet.of(
          HttpHeader.CONNECTION,
          HttpHeader.KEEP_ALIVE,
          HttpHeader.UPGRADE,
          HttpHeader.TRANSFER_ENCODING,
          HttpHeader.CONTENT_LENGTH);

  private final Set<String> strippedCookies;
  private final Duration idleTimeout;
  private ClientConnector connector;

  /** Both ends of every open tunnel. */
  private final Set<EndPoint> open = ConcurrentHashMap.newKeySet();

  WebSocketTunnel(Set<String> strippedCookies, Duration idleTimeout) {
    this.strippedCookies = strippedCookies;
    this.idleTimeout = idleTimeout;
  }

  /** Connects to workspaces with the server's own threads, scheduler and buffers. */
  void attachTo(Server server) {
    if (server != null && connector == null) {
      connector = new ClientConnector();
      connector.setSelectors(1);
      connector.setExecutor(server.getThreadPool());
      connector.setScheduler(server.getScheduler());
      connector.setByteBufferPool(server.getByteBufferPool());
      connector.setIdleTimeout(idleTimeout);
      connector.setConnectTimeout(HANDSHAKE_TIMEOUT);
      addBean(connector);
    }
  }

  /** The browsers' and workspaces' connections of the tunnels open now. */
  Set<EndPoint> openEndPoints() {
    return Set.copyOf(open);
  }

  /** Whether a request asks for a WebSocket. */
  static boolean isUpgrade(Request request) {
    return "websocket".equalsIgnoreCase(request.getHeaders().get(HttpHeader.UPGRADE));
  }

  void relay(Request request, Response response, Callback callback, Workspace workspace) {
    if (request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_1_1) {
      // Only an HTTP/1.1 connection can be handed over whole.
      WorkspaceProxy.writePage(
          response,
          callback,
          400,
          "Not a WebSocket request",
          "WebSockets to a workspace need HTTP/1.1.");
      return;
    }
    URI endpoint = workspace.endpoint();
    Transport transport = Backend.transportTo(workspace);
    SocketAddress address;
    if (transport != null) {
      address = transport.getSocketAddress();
    } else if ("http".equalsIgnoreCase(endpoint.getScheme())) {
      transport = Transport.TCP_IP;
      address = new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
    } else {
      WorkspaceProxy.writeUnreachablePage(response, callback);
      return;
    }
    Exchange exchange = new Exchange(request, response, callback, upgradeRequestHead(request));
    Map<String, Object> context = new HashMap<>();
    context.put(ClientConnector.CONTEXT_KEY, connector);
    context.put(Transport.CONTEXT_KEY, transport);
    context.put(
        ClientConnectionFactory.CONTEXT_KEY,
        (ClientConnectionFactory)
            (endPoint, ctx) -> new Handshake(endPoint, connector.getExecutor(), exchange));
    context.put(
        ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY,
        Promise.from((Connection c) -> {}, exchange::refuse));
    transport.connect(address, context);
  }

  private byte[] upgradeRequestHead(Request request) {
    // Host, Origin and the remaining cookies go through as the browser sent them: code-server
    // compares them.
    StringBuilder head = new StringBuilder(1024);
    head.append("GET ").append(request.getHttpURI().getPathQuery()).append(" HTTP/1.1\r\n");
    boolean hasHost = false;
    for (HttpField field : request.getHeaders()) {
      HttpHeader known = field.getHeader();
      if (known == HttpHeader.HOST) {
        hasHost = true;
      }
      if (known == null || !NOT_FORWARDED.contains(known)) {
        line(head, field.getName(), field.getValue());
      }
    }
    if (!hasHost) {
      line(head, "Host", Backend.UNIX_HOST);
    }
    List<String> cookies = request.getHeaders().getValuesList(HttpHeader.COOKIE);
    if (!cookies.isEmpty()) {
      String kept = WorkspaceProxy.withoutCookies(String.join("; ", cookies), strippedCookies);
      if (kept != null) {
        line(head, "Cookie", kept);
      }
    }
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (host != null) {
      line(head, "X-Forwarded-Host", host);
    }
    line(head, "X-Forwarded-Proto", request.isSecure() ? "https" : "http");
    line(head, "X-Forwarded-For", Request.getRemoteAddr(request));
    line(head, "Connection", "Upgrade");
    line(head, "Upgrade", "websocket");
    head.append("\r\n");
    return head.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void line(StringBuilder head, String name, String value) {
    // Jetty's parser refuses CR and LF inside values; checked again so no header can split.
    if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
      return;
    }
    head.append(name).append(": ").append(value).append("\r\n");
  }

  /** One browser's upgrade, from the request to the two connected pipes. */
  private final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    final byte[] head;

    Exchange(Request request, Response response, Callback callback, byte[] head) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.head = head;
    }

    void refuse(Throwable failure) {
      if (Backend.wrongPeer(failure)) {
        WorkspaceProxy.writeWrongPeerPage(response, callback);
      } else {
        LOG.info("Workspace WebSocket not reachable: {}", failure.toString());
        WorkspaceProxy.writeUnreachablePage(response, callback);
      }
    }

    void refused(int status) {
      WorkspaceProxy.writePage(
          response,
          callback,
          status >= 400 && status < 500 ? status : HttpStatus.BAD_GATEWAY_502,
          "Workspace refused the connection",
          "The interview workspace refused this connection (HTTP "
              + status
              + "). Reload the page to sign in again.");
    }

    /** The workspace said 101: the browser gets its headers and both sides become pipes. */
    void accepted(HttpFields workspaceHeaders, EndPoint workspaceSide, ByteBuffer early) {
      Executor executor = connector.getExecutor();
      WebSocketPipe toWorkspace =
          new WebSocketPipe(
              request.getConnectionMetaData().getConnection().getEndPoint(), executor, open);
      WebSocketPipe toBrowser = new WebSocketPipe(workspaceSide, executor, open);
      toWorkspace.connect(toBrowser);
      toBrowser.connect(toWorkspace);
      toBrowser.sendFirst(early);
      toWorkspace.getEndPoint().setIdleTimeout(idleTimeout.toMillis());
      workspaceSide.setIdleTimeout(idleTimeout.toMillis());
      response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
      HttpFields.Mutable headers = response.getHeaders();
      for (HttpField field : workspaceHeaders) {
        if (field.getHeader() == null || !NOT_RETURNED.contains(field.getHeader())) {
          headers.add(field);
        }
      }
      headers.put(HttpHeader.UPGRADE, "websocket");
      headers.put(HttpHeader.CONNECTION, "Upgrade");
      // Jetty hands the browser's connection to the pipe once the 101 is written.
      request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, toWorkspace);
      response.write(
          true,
          null,
          Callback.from(
              () -> {
                callback.succeeded();
                workspaceSide.upgrade(toBrowser);
              },
              failure -> {
                callback.failed(failure);
                workspaceSide.close(failure);
              }));
    }
  }

  /**
   * The workspace side until its answer to the upgrade is read: sends the request, parses the
   * status line and headers (at most {@link #MAX_RESPONSE_HEAD} bytes), keeps any bytes after them.
   */
  private static final class Handshake extends AbstractConnection.NonBlocking
      implements HttpParser.ResponseHandler {
    private final Exchange exchange;
    private final HttpParser parser;
    private final ByteBuffer buffer = BufferUtil.allocate(MAX_RESPONSE_HEAD);
    private final HttpFields.Mutable headers = HttpFields.build();
    private int status;
    private boolean done;

    Handshake(EndPoint endPoint, Executor executor, Exchange exchange) {
      super(endPoint, executor);
      this.exchange = exchange;
      this.parser = new HttpParser(this, MAX_RESPONSE_HEAD);
      // No body follows a 101; a refusal's body is not needed.
      parser.setHeadResponse(true);
    }

    @Override
    public void onOpen() {
      super.onOpen();
      // A workspace that never answers the upgrade is given up on soon, not after the hour a
      // quiet WebSocket may last.
      getEndPoint().setIdleTimeout(HANDSHAKE_TIMEOUT.toMillis());
      getEndPoint()
          .write(Callback.from(this::fillInterested, this::fail), ByteBuffer.wrap(exchange.head));
    }

    @Override
    public void onFillable() {
      try {
        while (!done) {
          int filled = getEndPoint().fill(buffer);
          if (filled < 0) {
            fail(new IOException("the workspace closed the connection during the upgrade"));
            return;
          }
          if (filled == 0) {
            fillInterested();
            return;
          }
          // The parser refuses a head longer than MAX_RESPONSE_HEAD (badMessage).
          parser.parseNext(buffer);
        }
      } catch (IOException | RuntimeException e) {
        fail(e);
      }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
      fail(timeout);
      return true;
    }

    private void fail(Throwable failure) {
      if (!done) {
        done = true;
        exchange.refuse(failure);
      }
      getEndPoint().close(failure);
    }

    @Override
    public void startResponse(HttpVersion version, int status, String reason) {
      this.status = status;
    }

    @Override
    public void parsedHeader(HttpField field) {
      headers.add(field);
    }

    @Override
    public boolean headerComplete() {
      done = true;
      if (status == HttpStatus.SWITCHING_PROTOCOLS_101
          && "websocket".equalsIgnoreCase(headers.get(HttpHeader.UPGRADE))) {
        // Frames the workspace sent right after its 101 are the browser's.
        ByteBuffer early = buffer.hasRemaining() ? BufferUtil.copy(buffer) : null;
        buffer.position(buffer.limit());
        exchange.accepted(headers.asImmutable(), getEndPoint(), early);
      } else {
        exchange.refused(status);
        getEndPoint().close();
      }
      return true;
    }

    @Override
    public boolean content(ByteBuffer item) {
      return false;
    }

    @Override
    public boolean contentComplete() {
      return false;
    }

    @Override
    public boolean messageComplete() {
      return true;
    }

    @Override
    public void earlyEOF() {
      fail(new IOException("the workspace closed the connection during the upgrade"));
    }

    @Override
    public void badMessage(org.eclipse.jetty.http.HttpException failure) {
      fail(
          new IOException(
              "the workspace's answer to the upgrade is not HTTP: " + failure.getReason()));
    }
  }
}
