package dev.prequel.challenge;

import java.net.URI;
import java.util.Map;

/**
 * Where the S3-compatible challenge store is, from {@code PREQUEL_S3_*}. Without a bucket, Prequel
 * uses the challenges folder.
 *
 * @param endpoint empty for AWS itself; set for MinIO, Ceph, S3Proxy and the like
 * @param accessKeyId empty to use the AWS SDK's default credentials (environment, profile, role)
 */
public record S3Settings(
    String bucket,
    String prefix,
    String endpoint,
    String region,
    String accessKeyId,
    String secretAccessKey) {

  public static final S3Settings NONE = new S3Settings("", "", "", "", "", "");

  public static S3Settings fromEnv(Map<String, String> env) {
    String bucket = get(env, "PREQUEL_S3_BUCKET", "");
    if (bucket.isEmpty()) {
      return NONE;
    }
    String prefix = get(env, "PREQUEL_S3_PREFIX", "challenges/");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    String endpoint = get(env, "PREQUEL_S3_ENDPOINT", "");
    if (!endpoint.isEmpty()) {
      URI.create(endpoint); // fails early on a malformed endpoint
    }
    return new S3Settings(
        bucket,
        prefix,
        endpoint,
        get(env, "PREQUEL_S3_REGION", "us-east-1"),
        get(env, "PREQUEL_S3_ACCESS_KEY_ID", ""),
        get(env, "PREQUEL_S3_SECRET_ACCESS_KEY", ""));
  }

  public boolean enabled() {
    return !bucket.isEmpty();
  }

  @Override
  public String toString() {
    return "S3Settings[bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", endpoint="
        + endpoint
        + ", region="
        + region
        + ", accessKeyId="
        + accessKeyId
        + ", secretAccessKey=***]";
  }

  private static String get(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.strip();
  }
}
