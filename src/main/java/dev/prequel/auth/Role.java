package dev.prequel.auth;

import dev.prequel.error.ProblemException;
import java.util.Locale;

/** What a signed-in user may do. Admins also manage users and read the audit log. */
public enum Role {
  ADMIN,
  INTERVIEWER;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWireName(String s) {
    for (Role r : values()) {
      if (r.wireName().equals(s)) {
        return r;
      }
    }
    throw ProblemException.badInput(
        "role", "role must be 'admin' or 'interviewer', not '" + s + "'");
  }
}
