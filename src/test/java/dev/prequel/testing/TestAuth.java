package dev.prequel.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** The admin every test Prequel starts with, and the credentials API calls in tests send. */
public final class TestAuth {

  public static final String ADMIN_EMAIL = "admin@prequel.test";
  public static final String ADMIN_PASSWORD = "test-admin-password-7Kq";

  private TestAuth() {}

  /** Environment that creates the admin at first start. */
  public static Map<String, String> env() {
    return Map.of("PREQUEL_ADMIN_EMAIL", ADMIN_EMAIL, "PREQUEL_ADMIN_PASSWORD", ADMIN_PASSWORD);
  }

  /** {@code Authorization} header value: HTTP Basic as the admin. */
  public static String basic() {
    return basic(ADMIN_EMAIL, ADMIN_PASSWORD);
  }

  public static String basic(String email, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((email + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
