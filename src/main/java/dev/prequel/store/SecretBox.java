package dev.prequel.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the secrets Prequel must be able to show again (candidates' passwords) before they are
 * stored: AES-256-GCM from the JDK, a fresh 96-bit nonce per value. The key comes from {@code
 * PREQUEL_SECRET_KEY} (base64 of 32 bytes) or from {@code keys/secret.key} in the data folder,
 * created readable by its owner only on first start.
 *
 * <p>Each value is bound to what it belongs to (for example {@code interview/ab12/password}) as
 * GCM's associated data: a sealed value copied into another row (another interview's secret, by
 * someone who can write the database but has not the key) no longer opens there. Values sealed
 * before that ({@code v1:}) still open, unbound.
 */
public final class SecretBox {

  /** Marks a stored value as sealed by this box (and which format), so plain values can migrate. */
  public static final String PREFIX = "v2:";

  /** Values sealed before they were bound to what they belong to. */
  public static final String UNBOUND = "v1:";

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private SecretBox(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException(
          "the secret key must be 32 bytes (base64 of 32 random bytes), not " + key.length);
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  /**
   * The key given (base64), or the one kept in {@code dataDir/keys/secret.key}, created if missing.
   */
  public static SecretBox load(String base64Key, Path dataDir) throws IOException {
    if (base64Key != null && !base64Key.isBlank()) {
      try {
        return new SecretBox(Base64.getDecoder().decode(base64Key.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("PREQUEL_SECRET_KEY: " + e.getMessage(), e);
      }
    }
    return new SecretBox(KeyFiles.readOrCreate(dataDir.resolve("keys").resolve("secret.key"), 32));
  }

  /** A box with this key (32 bytes): one kept in the database for the replicas to share. */
  public static SecretBox of(byte[] key) {
    return new SecretBox(key.clone());
  }

  /**
   * A key of its own for another purpose, derived from this one (HMAC-SHA256 of the purpose), so
   * that one PREQUEL_SECRET_KEY serves them all and no purpose's key reveals another's.
   */
  public byte[] derive(String purpose) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(("prequel/" + purpose).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  /** The value sealed, bound to {@code boundTo}: it opens only with the same {@code boundTo}. */
  public String seal(String plain, String boundTo) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt: " + e.getMessage(), e);
    }
  }

  /**
   * The plain value of one sealed with the same {@code boundTo}; a value stored before encryption
   * existed is returned as it is, and one sealed before binding opens unbound.
   */
  public String open(String stored, String boundTo) {
    if (!isSealed(stored)) {
      return stored;
    }
    boolean bound = stored.startsWith(PREFIX);
    try {
      byte[] in = Base64.getDecoder().decode(stored.substring((bound ? PREFIX : UNBOUND).length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      if (bound) {
        cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      }
      return new String(
          cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "a stored secret cannot be decrypted: the secret key is not the one it was sealed with"
              + " (PREQUEL_SECRET_KEY or keys/secret.key changed?), or the value was sealed for"
              + " another row than "
              + boundTo,
          e);
    }
  }

  /** Whether the value is sealed (by any version of this box), not a plain one from before. */
  public static boolean isSealed(String stored) {
    return stored != null && (stored.startsWith(PREFIX) || stored.startsWith(UNBOUND));
  }

  /** Key files: random bytes, readable by Prequel's user only. */
  public static final class KeyFiles {
    private KeyFiles() {}

    public static byte[] readOrCreate(Path file, int bytes) throws IOException {
      DataFolder.secure(file.getParent());
      if (Files.exists(file)) {
        DataFolder.ownerOnly(file); // made by an earlier version, or copied in by hand
        byte[] key = Files.readAllBytes(file);
        if (key.length != bytes) {
          throw new IOException(file + " holds " + key.length + " bytes, not " + bytes);
        }
        return key;
      }
      byte[] key = new byte[bytes];
      RANDOM.nextBytes(key);
      Path tmp = Files.createTempFile(file.getParent(), ".key", ".tmp");
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.write(tmp, key);
      try {
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        Files.delete(tmp); // another start won the race: use its key
        return Files.readAllBytes(file);
      }
      return key;
    }
  }
}
