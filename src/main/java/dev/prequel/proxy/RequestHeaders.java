package dev.prequel.proxy;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/**
 * The browser's request headers, as the workspace gets them, in one pass: hop-by-hop ones and those
 * the {@code Connection} header names are dropped as Jetty's {@code ProxyHandler} drops them,
 * Prequel's cookies are taken out, and the forwarding headers are left to the proxy. Jetty's copy
 * made a lambda per header, then the cookies were looked up, removed and put back: all of it on
 * every proxied request.
 */
final class RequestHeaders {

  /**
   * Request headers never copied from the browser: hop-by-hop ones (as Jetty's {@code ProxyHandler}
   * drops them), {@code Forwarded} (code-server would refuse the origin) and the {@code
   * X-Forwarded-*} the proxy sets itself.
   */
  private static final EnumSet<HttpHeader> NOT_COPIED =
      EnumSet.of(
          HttpHeader.CONNECTION,
          HttpHeader.KEEP_ALIVE,
          HttpHeader.PROXY_AUTHORIZATION,
          HttpHeader.PROXY_AUTHENTICATE,
          HttpHeader.PROXY_CONNECTION,
          HttpHeader.TRANSFER_ENCODING,
          HttpHeader.TE,
          HttpHeader.TRAILER,
          HttpHeader.UPGRADE,
          HttpHeader.FORWARDED,
          HttpHeader.X_FORWARDED_HOST,
          HttpHeader.X_FORWARDED_PROTO,
          HttpHeader.X_FORWARDED_FOR);

  private RequestHeaders() {}

  /**
   * Copies the browser's headers to the workspace's request, without Prequel's cookies ({@code
   * strippedCookies}).
   */
  static void copy(HttpFields from, HttpFields.Mutable to, Set<String> strippedCookies) {
    Set<String> listed = connectionListed(from);
    String cookies = null;
    for (HttpField field : from) {
      HttpHeader header = field.getHeader();
      if ((header != null && NOT_COPIED.contains(header))
          || (listed != null && listed.contains(field.getLowerCaseName()))) {
        continue;
      }
      if (header == HttpHeader.COOKIE) {
        cookies = cookies == null ? field.getValue() : cookies + "; " + field.getValue();
      } else {
        to.add(field);
      }
    }
    String kept = cookies == null ? null : WorkspaceProxy.withoutCookies(cookies, strippedCookies);
    if (kept != null) {
      to.add(HttpHeader.COOKIE, kept);
    }
  }

  /** Header names the {@code Connection} header lists (hop-by-hop for this hop); null if none. */
  static Set<String> connectionListed(HttpFields headers) {
    Set<String> listed = null;
    for (HttpField field : headers) {
      if (field.getHeader() == HttpHeader.CONNECTION) {
        for (String name : field.getValues()) {
          if (listed == null) {
            listed = new HashSet<>();
          }
          listed.add(name.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return listed;
  }
}
