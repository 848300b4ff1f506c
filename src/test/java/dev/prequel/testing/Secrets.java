package dev.prequel.testing;

import dev.prequel.store.SecretBox;
import java.security.SecureRandom;
import java.util.Base64;

/** Secret boxes for tests that keep no key on disk. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** A box with a random key that lives as long as this test's process. */
  public static SecretBox randomBox() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    try {
      return SecretBox.load(Base64.getEncoder().encodeToString(key), null);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // not reached: a given key reads no file
    }
  }
}
