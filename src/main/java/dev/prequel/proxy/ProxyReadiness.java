package dev.prequel.proxy;

import dev.prequel.interview.ReadinessProbe;
import dev.prequel.runtime.Workspace;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Transport;

/**
 * A workspace is ready when code-server answers its health check through Prequel's own proxy, on
 * the workspace's public host name and behind its login: exactly the path a candidate's browser
 * takes (the files are in place by then: configure runs before the probe). The probe carries a
 * cookie it mints itself, as a logged-in candidate's browser would.
 */
public final class ProxyReadiness implements ReadinessProbe {

  private final HttpClient http;
  private final String baseDomain;
  private final IntSupplier localPort;
  private final WorkspaceCookies cookies;

  public ProxyReadiness(
      HttpClient http, String baseDomain, IntSupplier localPort, WorkspaceCookies cookies) {
    this.http = http;
    this.baseDomain = baseDomain;
    this.localPort = localPort;
    this.cookies = cookies;
  }

  /**
   * Whether code-server answers its health check at this workspace's endpoint, reached directly
   * rather than through the proxy (its peer checked as the proxy checks it): for spare workspaces,
   * which have no public host name yet.
   */
  public static boolean answersDirectly(HttpClient http, Workspace workspace) {
    URI endpoint = workspace.endpoint();
    try {
      Transport transport = Backend.transportTo(workspace);
      org.eclipse.jetty.client.Request request =
          transport == null
              ? http.newRequest(endpoint.resolve("/healthz"))
              : http.newRequest("http://" + Backend.UNIX_HOST + "/healthz").transport(transport);
      return request.timeout(2, TimeUnit.SECONDS).send().getStatus() == 200;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }

  @Override
  public boolean isReady(String interviewId) {
    int port = localPort.getAsInt();
    try {
      ContentResponse r =
          http.newRequest("127.0.0.1", port)
              .path("/healthz")
              .headers(
                  h ->
                      h.put(HttpHeader.HOST, interviewId + "." + baseDomain + ":" + port)
                          .put(HttpHeader.ACCEPT, "text/html")
                          .put(
                              HttpHeader.COOKIE,
                              WorkspaceCookies.NAME + "=" + cookies.mint(interviewId)))
              .followRedirects(false)
              .timeout(2, TimeUnit.SECONDS)
              .send();
      return r.getStatus() == 200;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }
}
