package dev.prequel.interview;

import java.util.Locale;

/**
 * Where an interview is in its life. Which status may follow which is decided by {@link
 * StateMachine}.
 */
public enum Status {
  /**
   * A take-home the candidate has not started yet: no workspace; its {@code expiresAt} is the end
   * of the window in which it may be started ({@link TakeHomes}).
   */
  INVITED,
  SCHEDULED,
  INITIALIZING,
  CONFIGURING,
  ACTIVE,
  DESTROYING,
  DESTROYED,
  CANCELLED,
  ERROR;

  /** The lower-case name used in JSON, URLs and the portal. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Status fromWireName(String name) {
    for (Status s : values()) {
      if (s.wireName().equalsIgnoreCase(name)) {
        return s;
      }
    }
    throw dev.prequel.error.ProblemException.badInput(
        "status",
        "unknown status '"
            + name
            + "'; use one of "
            + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT));
  }

  /** No further transition will happen; nothing of the interview should be running. */
  public boolean isFinal() {
    return this == DESTROYED || this == CANCELLED || this == ERROR;
  }

  /** Shown in the Active view (everything not final). */
  public boolean isLive() {
    return !isFinal();
  }

  /** A workspace should exist (or be coming up) in this status. */
  public boolean wantsWorkspace() {
    return this == INITIALIZING || this == CONFIGURING || this == ACTIVE;
  }
}
