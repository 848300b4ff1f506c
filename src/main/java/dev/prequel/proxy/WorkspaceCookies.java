package dev.prequel.proxy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The candidate's proof of having given the interview's password: a cookie value that names when it
 * was issued and carries an HMAC-SHA256 of the interview id and that time. The id itself is not in
 * the value: the cookie is host-only, so a value is only ever checked against its own host's
 * interview, and one minted for interview A fails on interview B's host.
 */
public final class WorkspaceCookies {

  /** The cookie's name; the proxy strips it before a request reaches the workspace. */
  public static final String NAME = "prequel_ws";

  /** Longer than the longest interview (24 h), so a candidate never has to log in twice. */
  static final Duration VALIDITY = Duration.ofHours(25);

  private static final String ALGORITHM = "HmacSHA256";
  private static final int KEY_BYTES = 32;
  private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);

  /** Verified values remembered at most (a few per live candidate). */
  static final int MAX_VERIFIED = 10_000;

  /**
   * Values already proven genuine, with the second each was issued. A loading IDE sends hundreds of
   * requests with one cookie, and an HMAC per request (a provider look-up, a key schedule, two
   * SHA-256 passes) was a fifth of the proxy's CPU under load. Only values whose signature checked
   * out get in, so a stranger cannot fill it; its age is still checked on every request.
   */
  private final Map<String, Long> verified = new ConcurrentHashMap<>();

  private final SecretKeySpec key;
  private final Clock clock;

  public WorkspaceCookies(byte[] key, Clock clock) {
    if (key.length < KEY_BYTES) {
      throw new IllegalArgumentException("the cookie key must be at least 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), ALGORITHM);
    this.clock = clock;
  }

  /**
   * The key stored in {@code file}, made (32 random bytes, readable by Prequel's user only) when
   * the file does not exist yet. Kept across restarts, so candidates stay logged in.
   */
  public static byte[] loadOrCreateKey(Path file) throws IOException {
    dev.prequel.store.DataFolder.secure(file.getParent());
    dev.prequel.store.DataFolder.ownerOnly(file);
    if (!Files.exists(file)) {
      byte[] fresh = new byte[KEY_BYTES];
      new SecureRandom().nextBytes(fresh);
      // Written whole beside the target, then renamed: never a half-written key.
      Path temp =
          Files.createTempFile(
              file.getParent(),
              ".workspace-cookie",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(temp, fresh);
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    }
    byte[] key = Files.readAllBytes(file);
    if (key.length < KEY_BYTES) {
      throw new IOException(
          file + " holds " + key.length + " bytes, not a 32-byte key; delete it to make a new one");
    }
    return key;
  }

  /** A fresh cookie value for this interview. */
  public String mint(String interviewId) {
    long issued = clock.instant().getEpochSecond();
    return issued + "." + signature(interviewId, issued);
  }

  /** Whether {@code value} was minted by this key, for this interview, and is still valid. */
  public boolean verify(String interviewId, Optional<String> value) {
    if (value.isEmpty()) {
      return false;
    }
    String v = value.get();
    String cacheKey = interviewId + '\n' + v;
    Long known = verified.get(cacheKey);
    if (known != null) {
      return fresh(known);
    }
    int dot = v.indexOf('.');
    if (dot <= 0 || dot > 19) {
      return false;
    }
    long issued;
    try {
      issued = Long.parseLong(v.substring(0, dot));
    } catch (NumberFormatException e) {
      return false;
    }
    if (!fresh(issued)) {
      return false;
    }
    byte[] expected = signature(interviewId, issued).getBytes(StandardCharsets.US_ASCII);
    byte[] given = v.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, given)) {
      return false;
    }
    if (verified.size() >= MAX_VERIFIED) {
      verified.clear(); // live candidates are few; each pays one HMAC again
    }
    verified.put(cacheKey, issued);
    return true;
  }

  /** Whether a value issued at this second is still valid now (and not from the future). */
  private boolean fresh(long issuedEpochSecond) {
    Instant now = clock.instant();
    Instant at = Instant.ofEpochSecond(issuedEpochSecond);
    return !at.isAfter(now.plus(CLOCK_SKEW)) && !at.plus(VALIDITY).isBefore(now);
  }

  private String signature(String interviewId, long issued) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] sig =
          mac.doFinal(
              ("prequel-ws-v1\n" + interviewId + "\n" + issued).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
