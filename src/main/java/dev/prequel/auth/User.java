package dev.prequel.auth;

import java.time.Instant;

/**
 * An interviewer or admin. The password hash never leaves the store.
 *
 * @param disabledAt null while the user may sign in
 */
public record User(
    String id, String email, String name, Role role, Instant createdAt, Instant disabledAt) {

  public boolean disabled() {
    return disabledAt != null;
  }

  public boolean admin() {
    return role == Role.ADMIN;
  }
}
