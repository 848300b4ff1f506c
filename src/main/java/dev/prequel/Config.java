package dev.prequel;

import dev.prequel.archive.ArchiveSettings;
import dev.prequel.auth.AuthSettings;
import dev.prequel.challenge.S3Settings;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.RuntimeSettings;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.store.DatabaseSettings;
import dev.prequel.web.ClientAddress;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything an operator can set, read from environment variables. Defaults give the embedded
 * setup: portal on :8080, data under ./data, challenges from ./challenges.
 *
 * @param port the portal's (and the workspaces' proxy's) port; 0 picks a free one
 * @param baseDomain workspaces answer on {@code {id}.{baseDomain}:{port}}
 * @param publicPort the port candidates' browsers use (differs from {@code port} behind a load
 *     balancer)
 * @param runtime which runtime runs workspaces ({@code PREQUEL_RUNTIME}), their default limits,
 *     outbound network, and whether a sandbox is required
 * @param auth the first admin and the keys of secrets kept at rest
 * @param poolSize how many spare workspaces to keep started, so that creating an interview takes
 *     one instead of starting code-server (0: none, every workspace starts cold)
 * @param s3 where the challenge library and the archive live when they are in a bucket; disabled:
 *     {@code challengesDir} and {@code archive.dir()} only
 * @param database PostgreSQL shared by replicas ({@code PREQUEL_DATABASE_URL}), or the embedded H2
 *     file in {@code dataDir}
 * @param clientAddress which proxies in front of Prequel are believed about the client's address
 *     ({@code PREQUEL_TRUSTED_PROXIES})
 * @param webhooksToPrivateAddresses whether webhooks may be sent to loopback, link-local (cloud
 *     metadata) and private addresses ({@code PREQUEL_WEBHOOKS_TO_PRIVATE_ADDRESSES=allow})
 */
public record Config(
    String bindHost,
    int port,
    Path dataDir,
    String baseDomain,
    int publicPort,
    String publicScheme,
    Path challengesDir,
    Path codeServerDir,
    int minDurationMinutes,
    int maxDurationMinutes,
    Duration provisionLead,
    Duration reconcileInterval,
    Duration readyTimeout,
    RuntimeSettings runtime,
    S3Settings s3,
    ArchiveSettings archive,
    AuthSettings auth,
    int poolSize,
    DatabaseSettings database,
    ClientAddress clientAddress,
    boolean webhooksToPrivateAddresses) {

  public static final String CODE_SERVER_VERSION = "4.100.3";

  public static Config fromEnv(Map<String, String> env) {
    Function<String, String> get =
        name -> {
          String v = env.get(name);
          return v == null || v.isBlank() ? null : v.strip();
        };
    int port = intVar(get, "PREQUEL_PORT", 8080, 0, 65535);
    Path home = Path.of(System.getProperty("user.home"));
    Path cache =
        get.apply("XDG_CACHE_HOME") != null
            ? Path.of(get.apply("XDG_CACHE_HOME"))
            : home.resolve(".cache");
    int min = intVar(get, "PREQUEL_MIN_DURATION_MINUTES", 30, 1, 24 * 60);
    int max = intVar(get, "PREQUEL_MAX_DURATION_MINUTES", 240, min, 24 * 60);
    Path dataDir = Path.of(or(get.apply("PREQUEL_DATA_DIR"), "data")).toAbsolutePath();
    return new Config(
        or(get.apply("PREQUEL_BIND"), "0.0.0.0"),
        port,
        dataDir,
        or(get.apply("PREQUEL_BASE_DOMAIN"), "localhost"),
        intVar(get, "PREQUEL_PUBLIC_PORT", port, 0, 65535),
        or(get.apply("PREQUEL_PUBLIC_SCHEME"), "http"),
        Path.of(or(get.apply("PREQUEL_CHALLENGES_DIR"), "challenges")).toAbsolutePath(),
        Path.of(
                or(
                    get.apply("PREQUEL_CODE_SERVER_DIR"),
                    cache
                        .resolve("prequel")
                        .resolve("code-server-" + CODE_SERVER_VERSION)
                        .toString()))
            .toAbsolutePath(),
        min,
        max,
        Duration.ofSeconds(intVar(get, "PREQUEL_PROVISION_LEAD_SECONDS", 120, 0, 86400)),
        Duration.ofSeconds(intVar(get, "PREQUEL_RECONCILE_SECONDS", 30, 1, 3600)),
        Duration.ofSeconds(intVar(get, "PREQUEL_READY_TIMEOUT_SECONDS", 60, 1, 3600)),
        runtimeSettings(get),
        S3Settings.fromEnv(env),
        new ArchiveSettings(
            Path.of(or(get.apply("PREQUEL_ARCHIVE_DIR"), dataDir.resolve("archive").toString()))
                .toAbsolutePath(),
            Duration.ofSeconds(intVar(get, "PREQUEL_SNAPSHOT_SECONDS", 60, 1, 3600)),
            intVar(get, "PREQUEL_SNAPSHOT_MAX_MB", 50, 1, 100 * 1024) * 1024L * 1024L,
            Duration.ofDays(intVar(get, "PREQUEL_RETENTION_DAYS", 0, 0, 36500))),
        new AuthSettings(
            get.apply("PREQUEL_ADMIN_EMAIL"),
            env.get("PREQUEL_ADMIN_PASSWORD"),
            get.apply("PREQUEL_SECRET_KEY"),
            intVar(get, "PREQUEL_BCRYPT_COST", 11, 4, 31)),
        intVar(get, "PREQUEL_POOL_SIZE", 0, 0, 100),
        database(env),
        clientAddress(get.apply("PREQUEL_TRUSTED_PROXIES")),
        allowOrRefuse(get, "PREQUEL_WEBHOOKS_TO_PRIVATE_ADDRESSES"));
  }

  private static boolean allowOrRefuse(Function<String, String> get, String name) {
    String v = or(get.apply(name), "refuse");
    return switch (v) {
      case "allow" -> true;
      case "refuse" -> false;
      default -> throw new ConfigException(name + " must be allow or refuse; got '" + v + "'");
    };
  }

  private static RuntimeSettings runtimeSettings(Function<String, String> get) {
    String kind = or(get.apply("PREQUEL_RUNTIME"), "local");
    if (!Runtimes.RUNTIMES.contains(kind)) {
      throw new ConfigException(
          "PREQUEL_RUNTIME must be one of: "
              + String.join(", ", Runtimes.RUNTIMES)
              + "; got '"
              + kind
              + "'");
    }
    String cpus = or(get.apply("PREQUEL_WORKSPACE_CPUS"), "1");
    int milliCpus;
    try {
      milliCpus = new BigDecimal(cpus).movePointRight(3).intValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ConfigException(
          "PREQUEL_WORKSPACE_CPUS must be a number of cores, got '" + cpus + "'");
    }
    if (milliCpus < 10 || milliCpus > 1_000_000) {
      throw new ConfigException(
          "PREQUEL_WORKSPACE_CPUS must be between 0.01 and 1000, got " + cpus);
    }
    WorkspaceLimits limits =
        new WorkspaceLimits(
            milliCpus,
            intVar(get, "PREQUEL_WORKSPACE_MEMORY_MB", 2048, 32, 1024 * 1024),
            intVar(get, "PREQUEL_WORKSPACE_PROCESSES", 512, 32, 1_000_000),
            intVar(
                get,
                "PREQUEL_WORKSPACE_DISK_MB",
                WorkspaceLimits.DEFAULT_DISK_MB,
                64,
                1024 * 1024));
    Outbound outbound;
    try {
      outbound = Outbound.parse(or(get.apply("PREQUEL_WORKSPACE_OUTBOUND"), "none"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PREQUEL_WORKSPACE_OUTBOUND " + e.getMessage());
    }
    String required = or(get.apply("PREQUEL_REQUIRE_SANDBOX"), "false");
    if (!required.equals("true") && !required.equals("false")) {
      throw new ConfigException(
          "PREQUEL_REQUIRE_SANDBOX must be true or false, got '" + required + "'");
    }
    return new RuntimeSettings(kind, limits, outbound, Boolean.parseBoolean(required));
  }

  /**
   * "Any port" (0) made a port free right now: the port must be known before serving, for URLs and
   * probes.
   */
  public Config withAnyPortChosen() throws java.io.IOException {
    if (port != 0) {
      return this;
    }
    try (var socket = new java.net.ServerSocket(0)) {
      return withPort(socket.getLocalPort());
    }
  }

  /** The same configuration on another port (tests and the benchmark pick free ports). */
  public Config withPort(int newPort) {
    return new Config(
        bindHost,
        newPort,
        dataDir,
        baseDomain,
        newPort,
        publicScheme,
        challengesDir,
        codeServerDir,
        minDurationMinutes,
        maxDurationMinutes,
        provisionLead,
        reconcileInterval,
        readyTimeout,
        runtime,
        s3,
        archive,
        auth,
        poolSize,
        database,
        clientAddress,
        webhooksToPrivateAddresses);
  }

  private static ClientAddress clientAddress(String trustedProxies) {
    try {
      return ClientAddress.trusting(trustedProxies);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("PREQUEL_TRUSTED_PROXIES: " + e.getMessage());
    }
  }

  private static DatabaseSettings database(Map<String, String> env) {
    try {
      return DatabaseSettings.fromEnv(env);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static String or(String v, String fallback) {
    return v == null ? fallback : v;
  }

  private static int intVar(
      Function<String, String> get, String name, int fallback, int min, int max) {
    String v = get.apply(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new ConfigException(name + " must be between " + min + " and " + max + ", got " + v);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, got '" + v + "'");
    }
  }

  /** A setting that cannot be used; the message names it and says what is allowed. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
