package dev.prequel.metrics;

import java.util.Locale;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Counts requests to workspace hosts and their failures, in front of the proxy. */
public final class ProxyMetricsHandler extends Handler.Wrapper {

  private final String hostSuffix;
  private final Metrics metrics;

  public ProxyMetricsHandler(String baseDomain, Metrics metrics) {
    this.hostSuffix = "." + baseDomain.toLowerCase(Locale.ROOT);
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String host = request.getHttpURI().getHost();
    if (host == null || !host.toLowerCase(Locale.ROOT).endsWith(hostSuffix)) {
      return super.handle(request, response, callback);
    }
    return super.handle(
        request,
        response,
        new Callback.Nested(callback) {
          @Override
          public void succeeded() {
            metrics.proxied(response.getStatus());
            super.succeeded();
          }

          @Override
          public void failed(Throwable x) {
            metrics.proxied(502);
            super.failed(x);
          }
        });
  }
}
