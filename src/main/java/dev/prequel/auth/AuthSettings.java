package dev.prequel.auth;

/**
 * How accounts start and how secrets are kept.
 *
 * @param adminEmail with {@code adminPassword}: the first admin, created at start when no user
 *     exists ({@code PREQUEL_ADMIN_EMAIL}, {@code PREQUEL_ADMIN_PASSWORD}); null: a one-time setup
 *     link is printed instead
 * @param secretKey base64 of the 32-byte key that encrypts candidates' passwords at rest ({@code
 *     PREQUEL_SECRET_KEY}); null: the key in {@code keys/secret.key} of the data folder
 * @param bcryptCost work factor of interviewers' password hashes ({@code PREQUEL_BCRYPT_COST})
 */
public record AuthSettings(
    String adminEmail, String adminPassword, String secretKey, int bcryptCost) {

  /** Never shows the secrets (configuration objects end up in logs and exceptions). */
  @Override
  public String toString() {
    return "AuthSettings[adminEmail="
        + adminEmail
        + ", adminPassword="
        + (adminPassword == null ? "unset" : "***")
        + ", secretKey="
        + (secretKey == null ? "data folder" : "***")
        + ", bcryptCost="
        + bcryptCost
        + "]";
  }
}
