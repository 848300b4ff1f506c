package dev.prequel.testing;

import java.security.SecureRandom;

/**
 * Workspace ids for tests that start workspaces themselves. Cgroups are named {@code prequel/{id}}
 * machine-wide, and the same class may run at the same time in another checkout on this machine
 * (another helper, CI): each id carries this run's token besides a prefix of its class's own.
 */
public final class TestIds {

  /** Six characters drawn once per test JVM, from the characters an interview id may hold. */
  public static final String RUN = token();

  /** {@code name-RUN}: name starts with the class's initials ("sb-a" in SandboxTest). */
  public static String of(String name) {
    return name + "-" + RUN;
  }

  private static String token() {
    String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    SecureRandom random = new SecureRandom();
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private TestIds() {}
}
