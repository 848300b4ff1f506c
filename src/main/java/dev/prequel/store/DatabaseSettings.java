package dev.prequel.store;

import java.util.Locale;
import java.util.Map;

/**
 * Which database Prequel keeps its state in. Without {@code PREQUEL_DATABASE_URL}: the embedded H2
 * file in the data folder (one Prequel). With it: a PostgreSQL server that several Prequel replicas
 * can share.
 *
 * @param url a {@code jdbc:postgresql://host:port/database} URL, empty for the embedded database
 *     ({@code PREQUEL_DATABASE_URL}); never carries the password
 * @param user the database user ({@code PREQUEL_DATABASE_USER})
 * @param password the user's password ({@code PREQUEL_DATABASE_PASSWORD}); empty when the server
 *     trusts the connection
 */
public record DatabaseSettings(String url, String user, String password) {

  public static final DatabaseSettings EMBEDDED = new DatabaseSettings("", "", "");

  private static final String POSTGRES = "jdbc:postgresql:";

  public DatabaseSettings {
    url = url == null ? "" : url.strip();
    user = user == null ? "" : user.strip();
    password = password == null ? "" : password;
    if (!url.isEmpty()) {
      if (!url.startsWith(POSTGRES)) {
        throw new IllegalArgumentException(
            "PREQUEL_DATABASE_URL must be a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/prequel),"
                + " got one starting with '"
                + scheme(url)
                + "'; leave it unset for the embedded database");
      }
      // A password in the URL would end up wherever the URL is shown: logs, errors, `ps`.
      String lower = url.toLowerCase(Locale.ROOT);
      if (lower.contains("password=") || url.substring(POSTGRES.length()).contains("@")) {
        throw new IllegalArgumentException(
            "PREQUEL_DATABASE_URL must not contain a password: set PREQUEL_DATABASE_PASSWORD"
                + " instead");
      }
      if (user.isEmpty()) {
        throw new IllegalArgumentException(
            "PREQUEL_DATABASE_USER is required with PREQUEL_DATABASE_URL");
      }
    }
  }

  /** From {@code PREQUEL_DATABASE_URL}, {@code _USER} and {@code _PASSWORD}. */
  public static DatabaseSettings fromEnv(Map<String, String> env) {
    return new DatabaseSettings(
        env.get("PREQUEL_DATABASE_URL"),
        env.get("PREQUEL_DATABASE_USER"),
        env.get("PREQUEL_DATABASE_PASSWORD"));
  }

  /** The H2 file in the data folder, for one Prequel only. */
  public boolean embedded() {
    return url.isEmpty();
  }

  /** {@code jdbc:kind:} only: the rest of a URL that is not ours may hold a password. */
  private static String scheme(String url) {
    int second = url.indexOf(':', url.indexOf(':') + 1);
    return second < 0 ? url.substring(0, Math.min(url.length(), 12)) : url.substring(0, second + 1);
  }

  /** Only the URL's part before any parameters (they may hold other secrets, such as SSL keys). */
  private static String shown(String url) {
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q) + "?…";
  }

  /** Never shows the password (configuration objects end up in logs and exceptions). */
  @Override
  public String toString() {
    return embedded()
        ? "DatabaseSettings[embedded]"
        : "DatabaseSettings[url="
            + shown(url)
            + ", user="
            + user
            + ", password="
            + (password.isEmpty() ? "unset" : "***")
            + "]";
  }
}
