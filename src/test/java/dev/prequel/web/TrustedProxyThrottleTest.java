package dev.prequel.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestPrequel;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Behind a load balancer every sign-in arrives from the balancer's address: one person's wrong
 * passwords must not lock everyone else out, and nobody may escape the throttle by writing the
 * header the balancer writes.
 */
class TrustedProxyThrottleTest {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @TempDir Path behindBalancer;
  @TempDir Path direct;

  @Test
  void behindATrustedBalancerWrongPasswordsFromOneClientDoNotLockOutAnother() throws Exception {
    try (TestPrequel p =
        TestPrequel.start(behindBalancer, Map.of("PREQUEL_TRUSTED_PROXIES", "127.0.0.1"))) {
      for (int i = 0; i < 5; i++) {
        assertThat(signIn(p, "guess-" + i, "203.0.113.5").statusCode()).isEqualTo(401);
      }
      assertThat(signIn(p, TestAuth.ADMIN_PASSWORD, "203.0.113.5").statusCode())
          .as("the guesser's address is held back")
          .isEqualTo(429);

      assertThat(signIn(p, TestAuth.ADMIN_PASSWORD, "198.51.100.9").statusCode())
          .as("the admin at another address, through the same balancer, signs in")
          .isEqualTo(303);
    }
  }

  @Test
  void withoutTrustedProxiesAForgedHeaderDoesNotEscapeTheThrottle() throws Exception {
    try (TestPrequel p = TestPrequel.start(direct)) {
      for (int i = 0; i < 5; i++) {
        assertThat(signIn(p, "guess-" + i, "203.0.113." + i).statusCode()).isEqualTo(401);
      }

      assertThat(signIn(p, TestAuth.ADMIN_PASSWORD, "198.51.100.9").statusCode())
          .as("the header is the client's own words: the connection's address counts")
          .isEqualTo(429);
    }
  }

  private static HttpResponse<String> signIn(TestPrequel p, String password, String forwardedFor)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(p.uri("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-Forwarded-For", forwardedFor)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "email=" + TestAuth.ADMIN_EMAIL + "&password=" + password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
