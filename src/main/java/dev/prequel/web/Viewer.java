package dev.prequel.web;

import dev.prequel.auth.Principal;

/**
 * The signed-in user of the request being rendered, for the page layout (user menu, CSRF token).
 * Set by {@link Gate} for the request's thread and cleared after it.
 */
public final class Viewer {

  private static final ThreadLocal<Principal> CURRENT = new ThreadLocal<>();

  private Viewer() {}

  static void set(Principal p) {
    CURRENT.set(p);
  }

  static void clear() {
    CURRENT.remove();
  }

  /** The signed-in user's e-mail, or null on public pages. */
  public static String email() {
    Principal p = CURRENT.get();
    return p == null ? null : p.user().email();
  }

  public static boolean admin() {
    Principal p = CURRENT.get();
    return p != null && p.admin();
  }

  /** The session's CSRF token, for forms; empty when there is no session. */
  public static String csrf() {
    Principal p = CURRENT.get();
    return p == null || p.csrfToken() == null ? "" : p.csrfToken();
  }
}
