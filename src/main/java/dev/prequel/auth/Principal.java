package dev.prequel.auth;

/**
 * Who sent a request, and how they proved it.
 *
 * @param csrfToken the session's CSRF token; null for API credentials, which browsers never send on
 *     their own and so need none
 */
public record Principal(User user, Via via, String csrfToken) {

  /** How a request was authenticated. */
  public enum Via {
    SESSION,
    BASIC,
    TOKEN
  }

  public boolean admin() {
    return user.admin();
  }
}
