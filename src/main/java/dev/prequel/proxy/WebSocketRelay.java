package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.exceptions.UpgradeException;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays a browser WebSocket to a workspace: the workspace is connected first, so its refusal (401,
 * 403) reaches the browser as that status instead of as "opened, then closed".
 */
public final class WebSocketRelay extends ContainerLifeCycle {
  /** VS Code keeps quiet sockets open for long; Jetty's default of 30 s would cut them. */
  public static final Duration IDLE_TIMEOUT = Duration.ofHours(1);

  public static final long MAX_MESSAGE_SIZE = 64L * 1024 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(WebSocketRelay.class);
  // Hop-by-hop headers, plus Cookie (re-added without the portal's) and Forwarded (code-server
  // misreads it).
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
          HttpHeader.FORWARDED);

  private final Set<String> strippedCookies;
  private final WebSocketClient client = new WebSocketClient(Backend.unixAwareClient());
  private ServerWebSocketContainer container;

  WebSocketRelay(Set<String> strippedCookies) {
    this.strippedCookies = strippedCookies;
    client.getHttpClient().setUserAgentField(null);
    addBean(client.getHttpClient());
    client.setIdleTimeout(IDLE_TIMEOUT);
    client.setMaxBinaryMessageSize(MAX_MESSAGE_SIZE);
    client.setMaxTextMessageSize(MAX_MESSAGE_SIZE);
    addBean(client);
  }

  void attachTo(Server server) {
    if (server != null && container == null) {
      container = ServerWebSocketContainer.ensure(server);
      container.setIdleTimeout(IDLE_TIMEOUT);
      container.setMaxBinaryMessageSize(MAX_MESSAGE_SIZE);
      container.setMaxTextMessageSize(MAX_MESSAGE_SIZE);
    }
  }

  static boolean isUpgrade(Request request) {
    return "websocket".equalsIgnoreCase(request.getHeaders().get(HttpHeader.UPGRADE));
  }

  // The connect future's outcome is handled in its own whenComplete callback.
  @SuppressWarnings("FutureReturnValueIgnored")
  void relay(
      Request request,
      Response response,
      org.eclipse.jetty.util.Callback callback,
      Workspace backend) {
    URI endpoint = backend.endpoint();
    Leg workspace = new Leg();
    java.util.Optional<java.nio.file.Path> socket = Backend.unixSocket(endpoint);
    URI target =
        URI.create(
            (endpoint.getScheme().equals("https") ? "wss" : "ws")
                + "://"
                + (socket.isPresent() ? Backend.UNIX_HOST : endpoint.getRawAuthority())
                + request.getHttpURI().getPathQuery());
    try {
      ClientUpgradeRequest upgrade = upgradeRequestFor(request, target);
      socket.ifPresent(path -> upgrade.tag(new Backend.UnixSocket(path, backend.peerUid())));
      client
          .connect(workspace, upgrade)
          .whenComplete(
              (session, failure) -> {
                if (failure != null) {
                  refuse(response, callback, failure);
                  return;
                }
                Leg browser = new Leg();
                workspace.peer = browser;
                browser.peer = workspace;
                try {
                  boolean upgraded =
                      container.upgrade(
                          (rq, rs, cb) -> {
                            rs.setAcceptedSubProtocol(
                                session.getUpgradeResponse().getAcceptedSubProtocol());
                            return browser;
                          },
                          request,
                          response,
                          callback);
                  if (!upgraded) {
                    session.close(StatusCode.SERVER_ERROR, "browser upgrade failed", Callback.NOOP);
                    WorkspaceProxy.writePage(
                        response,
                        callback,
                        400,
                        "Not a WebSocket request",
                        "The upgrade request was malformed.");
                  }
                } catch (RuntimeException e) {
                  session.close(StatusCode.SERVER_ERROR, "browser upgrade failed", Callback.NOOP);
                  callback.failed(e);
                }
              });
    } catch (Exception e) {
      refuse(response, callback, e);
    }
  }

  private ClientUpgradeRequest upgradeRequestFor(Request request, URI target) {
    // Host, Origin and the remaining cookies go through as the browser sent them: code-server
    // compares them.
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (HttpField field : request.getHeaders()) {
      boolean webSocketOwn = field.getLowerCaseName().startsWith("sec-websocket-");
      if (!webSocketOwn
          && (field.getHeader() == null || !NOT_FORWARDED.contains(field.getHeader()))) {
        headers.computeIfAbsent(field.getName(), name -> new ArrayList<>()).add(field.getValue());
      }
    }
    ClientUpgradeRequest upgrade = new ClientUpgradeRequest(target);
    upgrade.setHeaders(headers);
    List<String> cookies = request.getHeaders().getValuesList(HttpHeader.COOKIE);
    if (!cookies.isEmpty()) {
      String kept = WorkspaceProxy.withoutCookies(String.join("; ", cookies), strippedCookies);
      if (kept != null) {
        upgrade.setHeader("Cookie", kept);
      }
    }
    upgrade.setHeader("X-Forwarded-Host", request.getHeaders().get(HttpHeader.HOST));
    upgrade.setHeader("X-Forwarded-Proto", request.isSecure() ? "https" : "http");
    upgrade.setHeader("X-Forwarded-For", Request.getRemoteAddr(request));
    upgrade.setSubProtocols(
        request.getHeaders().getCSV(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL, true));
    return upgrade;
  }

  private static void refuse(
      Response response, org.eclipse.jetty.util.Callback callback, Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    int status = cause instanceof UpgradeException u ? u.getResponseStatusCode() : 0;
    if (status >= 400 && status < 500) {
      WorkspaceProxy.writePage(
          response,
          callback,
          status,
          "Workspace refused the connection",
          "The interview workspace refused this connection (HTTP "
              + status
              + "). Reload the page to sign in again.");
    } else if (Backend.wrongPeer(cause)) {
      WorkspaceProxy.writeWrongPeerPage(response, callback);
    } else {
      LOG.info("Workspace WebSocket not reachable: {}", cause.toString());
      WorkspaceProxy.writeUnreachablePage(response, callback);
    }
  }

  /**
   * Codes that describe a local event and may not be sent on the wire get the nearest sendable
   * code.
   */
  static int sendable(int code) {
    return switch (code) {
      case StatusCode.NO_CODE -> StatusCode.NORMAL;
      case StatusCode.NO_CLOSE, StatusCode.FAILED_TLS_HANDSHAKE -> StatusCode.SERVER_ERROR;
      default -> code;
    };
  }

  /**
   * One side of a relayed socket. It asks for the next frame only after its peer has sent the last
   * one, so a slow browser slows the workspace down instead of filling memory.
   */
  public static final class Leg implements Session.Listener {
    private volatile Leg peer;
    private volatile Session session;

    @Override
    public void onWebSocketOpen(Session session) {
      this.session = session;
      Leg other = peer;
      if (other == null) {
        return; // the workspace side: it waits until the browser side is open too
      }
      if (!other.session.isOpen()) {
        session.close(StatusCode.SERVER_ERROR, "workspace connection lost", Callback.NOOP);
        return;
      }
      session.demand();
      other.session.demand();
    }

    @Override
    public void onWebSocketPartialText(String payload, boolean last) {
      peer.session.sendPartialText(
          payload, last, Callback.from(session::demand, this::relayFailed));
    }

    @Override
    public void onWebSocketPartialBinary(ByteBuffer payload, boolean last, Callback callback) {
      peer.session.sendPartialBinary(
          payload,
          last,
          Callback.from(
              () -> {
                callback.succeed();
                session.demand();
              },
              callback::fail));
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
      Leg other = peer;
      if (other != null && other.session != null) {
        other.session.close(sendable(statusCode), reason, Callback.NOOP);
      }
      callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
      LOG.debug("WebSocket relay error", cause);
    }

    private void relayFailed(Throwable cause) {
      session.close(StatusCode.SERVER_ERROR, "relay failed", Callback.NOOP);
    }
  }
}
