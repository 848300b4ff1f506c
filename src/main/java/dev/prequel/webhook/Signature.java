package dev.prequel.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Prequel-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>}, the HMAC
 * keyed with the endpoint's secret over {@code "<t>.<body>"}. A receiver recomputes it over the raw
 * body, compares in constant time, and refuses a {@code t} more than a few minutes old (a replayed
 * request). The scheme is Stripe's, which hiring tools' webhook code already knows.
 */
public final class Signature {

  public static final String HEADER = "Prequel-Signature";

  private Signature() {}

  public static String header(String secret, long unixSeconds, String body) {
    return "t=" + unixSeconds + ",v1=" + hmac(secret, unixSeconds + "." + body);
  }

  public static String hmac(String secret, String signed) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }
}
