package dev.prequel.runtime;

import java.security.SecureRandom;

/**
 * Spare workspaces' ids: {@code spare-} and 12 random lower-case letters and digits. Interview ids
 * never hold a '-', so a spare id is never an interview's. The warm pool picks the id before the
 * runtime starts the spare, so that replicas sharing a runtime can record whose it is first.
 */
public final class SpareIds {

  public static final String PREFIX = "spare-";
  private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private SpareIds() {}

  /** A fresh spare id. */
  public static String next() {
    StringBuilder id = new StringBuilder(PREFIX);
    for (int n = 0; n < 12; n++) {
      id.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return id.toString();
  }

  /** Whether this id names a spare; throws when it does not. */
  public static String check(String id) {
    if (!id.startsWith(PREFIX)) {
      throw new IllegalArgumentException(id + " is no spare id");
    }
    return id;
  }
}
