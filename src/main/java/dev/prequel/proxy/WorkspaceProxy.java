package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Sends requests for {@code {id}.{baseDomain}[:port]} to that interview's workspace and everything
 * else on to the wrapped handler (the portal), so one server and one port serve both. Only a
 * candidate who gave the interview's password gets through ({@link CandidateLogin}).
 *
 * <p>Install in front of Javalin: {@code cfg.jetty.modifyServer(server ->
 * server.insertHandler(proxy))}.
 */
public final class WorkspaceProxy extends Handler.Wrapper {
  /** The portal's session and the candidate's workspace login: never for the workspace to see. */
  public static final Set<String> DEFAULT_STRIPPED_COOKIES =
      Set.of("prequel_session", WorkspaceCookies.NAME);

  /** VS Code keeps quiet sockets open for long; Jetty's default of 30 s would cut them. */
  public static final Duration WEBSOCKET_IDLE_TIMEOUT = Duration.ofHours(1);

  private static final Pattern INTERVIEW_ID = Pattern.compile("[a-z0-9]{1,63}");
  private static final String WORKSPACE = WorkspaceProxy.class.getName() + ".workspace";

  private final String hostSuffix;
  private final WorkspaceResolver resolver;
  private final CandidateLogin login;
  private final TakeHomePages takeHomes;
  private final Set<String> strippedCookies;
  private final HttpForwarder http = new HttpForwarder();
  private final WebSocketTunnel webSockets;

  /**
   * @param login who may pass: every request but the login page needs the candidate's cookie
   */
  public WorkspaceProxy(String baseDomain, WorkspaceResolver resolver, CandidateLogin login) {
    this(baseDomain, resolver, login, DEFAULT_STRIPPED_COOKIES, TakeHomeDoor.NONE);
  }

  /**
   * @param takeHomes starts and submits take-homes from their candidate's host
   */
  public WorkspaceProxy(
      String baseDomain, WorkspaceResolver resolver, CandidateLogin login, TakeHomeDoor takeHomes) {
    this(baseDomain, resolver, login, DEFAULT_STRIPPED_COOKIES, takeHomes);
  }

  /**
   * @param strippedCookies cookies of the portal that must never reach a workspace
   */
  public WorkspaceProxy(
      String baseDomain,
      WorkspaceResolver resolver,
      CandidateLogin login,
      Set<String> strippedCookies) {
    this(baseDomain, resolver, login, strippedCookies, TakeHomeDoor.NONE);
  }

  private WorkspaceProxy(
      String baseDomain,
      WorkspaceResolver resolver,
      CandidateLogin login,
      Set<String> strippedCookies,
      TakeHomeDoor takeHomes) {
    this.takeHomes = new TakeHomePages(takeHomes, login);
    this.hostSuffix = "." + baseDomain.toLowerCase(Locale.ROOT);
    this.resolver = resolver;
    this.login = login;
    this.strippedCookies = Set.copyOf(strippedCookies);
    this.webSockets = new WebSocketTunnel(this.strippedCookies, WEBSOCKET_IDLE_TIMEOUT);
    addBean(http);
    addBean(webSockets);
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    http.setServer(server);
    webSockets.attachTo(server);
  }

  /**
   * Jetty may call {@link #handle} on the selector thread that read the request, without handing it
   * to another thread: a signed-in candidate's request to an open workspace is sent on from there
   * (only CPU work and non-blocking I/O on that path); everything else, which may block, is run on
   * a pool thread by {@link #handle} itself.
   */
  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Optional<String> id = interviewIdOf(request.getHttpURI().getHost());
    if (id.isPresent() && !WebSocketTunnel.isUpgrade(request)) {
      Optional<Workspace> open = resolver.knownOpen(id.get());
      if (open.isPresent()
          && !request.getHttpURI().getPath().startsWith(TakeHomePages.PREFIX)
          && login.passes(id.get(), request)) {
        request.setAttribute(WORKSPACE, open.get());
        return http.handle(request, response, callback);
      }
    }
    try {
      getServer().getThreadPool().execute(() -> handleBlocking(id, request, response, callback));
    } catch (RejectedExecutionException e) {
      Response.writeError(request, response, callback, 503, "Too busy: try again in a moment.");
    }
    return true;
  }

  /** The portal, sign-in, pages and look-ups that read the database: on a pool thread. */
  private void handleBlocking(
      Optional<String> id, Request request, Response response, Callback callback) {
    try {
      boolean handled =
          id.isEmpty()
              ? super.handle(request, response, callback)
              : handleWorkspace(id.get(), request, response, callback);
      if (!handled) {
        Response.writeError(request, response, callback, 404);
      }
    } catch (Throwable failure) {
      Response.writeError(request, response, callback, failure);
    }
  }

  private boolean handleWorkspace(
      String interviewId, Request request, Response response, Callback callback) {
    WorkspaceResolver.Lookup found = resolver.lookup(interviewId);
    if (found.stage() == WorkspaceResolver.Stage.INVITED) {
      takeHomes.answerInvited(interviewId, request, response, callback);
      return true;
    }
    if (found.stage() == WorkspaceResolver.Stage.PREPARING) {
      // Until the interview is active nobody signs in or reaches the workspace; only Prequel's
      // readiness probe (a cookie only Prequel can mint, code-server's health check) passes, and
      // it is never answered 200 by anything but code-server itself.
      if (!login.isProbe(interviewId, request) || WebSocketTunnel.isUpgrade(request)) {
        PreparingPage.write(request, response, callback);
        return true;
      }
      if (found.workspace().isEmpty()) {
        writeUnreachablePage(response, callback);
        return true;
      }
    } else if (found.workspace().isEmpty()) {
      writePage(
          response,
          callback,
          404,
          "No interview workspace here",
          "No interview workspace here — it may have ended or the link is wrong.");
      return true;
    } else if (login.answer(interviewId, request, response, callback)
        || takeHomes.answerOpen(interviewId, request, response, callback)) {
      return true;
    }
    Workspace workspace = found.workspace().get();
    if (WebSocketTunnel.isUpgrade(request)) {
      webSockets.relay(request, response, callback, workspace);
      return true;
    }
    request.setAttribute(WORKSPACE, workspace);
    return http.handle(request, response, callback);
  }

  Optional<String> interviewIdOf(String host) {
    if (host == null) {
      return Optional.empty();
    }
    String name = host.toLowerCase(Locale.ROOT);
    if (!name.endsWith(hostSuffix)) {
      return Optional.empty();
    }
    String label = name.substring(0, name.length() - hostSuffix.length());
    return INTERVIEW_ID.matcher(label).matches() ? Optional.of(label) : Optional.empty();
  }

  /** Drops the named cookies from a {@code Cookie} header value; null when nothing is left. */
  static String withoutCookies(String cookieHeader, Set<String> names) {
    // A scan without regular expressions or streams: this runs on every proxied request.
    StringBuilder kept = new StringBuilder(cookieHeader.length());
    int start = 0;
    int length = cookieHeader.length();
    while (start <= length) {
      int end = cookieHeader.indexOf(';', start);
      if (end < 0) {
        end = length;
      }
      String cookie = cookieHeader.substring(start, end).trim();
      if (!cookie.isEmpty()) {
        int eq = cookie.indexOf('=');
        String name = (eq < 0 ? cookie : cookie.substring(0, eq)).trim();
        if (!names.contains(name)) {
          if (kept.length() > 0) {
            kept.append("; ");
          }
          kept.append(cookie);
        }
      }
      start = end + 1;
    }
    return kept.length() == 0 ? null : kept.toString();
  }

  static void writeUnreachablePage(Response response, Callback callback) {
    writePage(
        response,
        callback,
        502,
        "Workspace not reachable",
        "The interview workspace is not answering right now — it may still be starting. Reload the page in a moment.");
  }

  /** The workspace's socket led to another process than its code-server: nothing was sent. */
  static void writeWrongPeerPage(Response response, Callback callback) {
    writePage(
        response,
        callback,
        502,
        "Workspace not reachable",
        "Something other than this interview's workspace answered on its connection, so Prequel"
            + " refused it. The workspace may be restarting: reload the page in a moment, or ask"
            + " your interviewer.");
  }

  static void writePage(
      Response response, Callback callback, int status, String title, String message) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html;charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    String html =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>"
            + title
            + "</title></head>"
            + "<body><h1>"
            + title
            + "</h1><p>"
            + message
            + "</p></body></html>";
    Content.Sink.write(response, true, html, callback);
  }

  /** Jetty's reverse proxy, aimed per request at the endpoint that {@link #handle} resolved. */
  private final class HttpForwarder extends ProxyHandler.Reverse {
    HttpForwarder() {
      super(HttpForwarder::backendUri);
      // The client's selector and callbacks run on the server's threads: a separate
      // "proxy-client" pool meant a thread hand-off (a futex wake and a context switch) for
      // every response, on a machine with two cores.
      setUseServerThreadPool(true);
    }

    /**
     * HTTP/1.1 only, with the server's buffers and scheduler: Jetty's default "dynamic" transport
     * chose among protocols on every request.
     */
    /** How long a workspace's destination (its connection pool) outlives its last connection. */
    private static final java.time.Duration DESTINATION_IDLE = java.time.Duration.ofMinutes(5);

    @Override
    protected HttpClient newHttpClient() {
      ClientConnector connector = new ClientConnector();
      connector.setSelectors(1);
      Server server = getServer();
      connector.setByteBufferPool(server.getByteBufferPool());
      connector.setScheduler(server.getScheduler());
      connector.setExecutor(server.getThreadPool());
      HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
      // The response listeners only hand bytes to the browser's connection without blocking, so
      // they run where the backend's bytes were read instead of on another woken thread.
      transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
      HttpClient client = new HttpClient(transport);
      client.setByteBufferPool(server.getByteBufferPool());
      client.setScheduler(server.getScheduler());
      return client;
    }

    // No Via header: nothing behind the proxy reads it, and it cost a stream per request.
    @Override
    protected void addViaHeader(
        Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {}

    private static HttpURI backendUri(Request request) {
      URI endpoint = ((Workspace) request.getAttribute(WORKSPACE)).endpoint();
      if ("unix".equalsIgnoreCase(endpoint.getScheme())) {
        return HttpURI.build(request.getHttpURI()).scheme("http").host(Backend.UNIX_HOST).port(80);
      }
      return HttpURI.build(request.getHttpURI())
          .scheme(endpoint.getScheme())
          .host(endpoint.getHost())
          .port(endpoint.getPort());
    }

    @Override
    protected org.eclipse.jetty.client.Request newProxyToServerRequest(
        Request clientToProxy, HttpURI newHttpURI) {
      org.eclipse.jetty.client.Request proxyToServer =
          super.newProxyToServerRequest(clientToProxy, newHttpURI);
      Transport transport = Backend.transportTo((Workspace) clientToProxy.getAttribute(WORKSPACE));
      return transport == null ? proxyToServer : proxyToServer.transport(transport);
    }

    @Override
    protected void configureHttpClient(HttpClient httpClient) {
      super.configureHttpClient(httpClient);
      // Otherwise the backend sees Jetty's User-Agent beside the browser's, and Node keeps the
      // first.
      httpClient.setUserAgentField(null);
      // One destination per workspace; without this the client kept each ended one's for good.
      httpClient.setDestinationIdleTimeout(DESTINATION_IDLE.toMillis());
    }

    /**
     * In one pass ({@link RequestHeaders}); the forwarding headers come from addForwardedHeader.
     */
    @Override
    protected void copyRequestHeaders(
        Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
      HttpFields from = clientToProxy.getHeaders();
      proxyToServer.headers(to -> RequestHeaders.copy(from, to, strippedCookies));
    }

    // code-server reads a quoted Forwarded header literally and then refuses the origin;
    // X-Forwarded-* is safe. copyHeaders copied none of them from the browser.
    @Override
    protected void addForwardedHeader(
        Request clientToProxy, org.eclipse.jetty.client.Request proxyToServer) {
      proxyToServer.headers(
          headers -> {
            headers.put(
                HttpHeader.X_FORWARDED_HOST, clientToProxy.getHeaders().get(HttpHeader.HOST));
            headers.put(HttpHeader.X_FORWARDED_PROTO, clientToProxy.isSecure() ? "https" : "http");
            headers.put(HttpHeader.X_FORWARDED_FOR, Request.getRemoteAddr(clientToProxy));
          });
    }

    @Override
    protected void onServerToProxyResponseFailure(
        Request clientToProxy,
        org.eclipse.jetty.client.Request proxyToServer,
        org.eclipse.jetty.client.Response serverToProxy,
        Response proxyToClient,
        Callback callback,
        Throwable failure) {
      if (proxyToClient.isCommitted()) {
        super.onServerToProxyResponseFailure(
            clientToProxy, proxyToServer, serverToProxy, proxyToClient, callback, failure);
      } else if (Backend.wrongPeer(failure)) {
        writeWrongPeerPage(proxyToClient, callback);
      } else if (failure instanceof TimeoutException) {
        writePage(
            proxyToClient,
            callback,
            504,
            "Workspace did not answer",
            "The interview workspace did not answer in time. Reload the page in a moment.");
      } else {
        writeUnreachablePage(proxyToClient, callback);
      }
    }
  }
}
