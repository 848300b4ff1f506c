package dev.prequel.challenge;

import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Where the S3-compatible challenge store is, from {@code PREQUEL_S3_*}. Without a bucket, Prequel
 * uses the challenges folder and keeps the archive only on local disk.
 *
 * @param prefix key prefix of the challenge library
 * @param archivePrefix key prefix of the archive of candidates' work, in the same bucket
 * @param endpoint empty for AWS itself; set for MinIO, Ceph, S3Proxy and the like
 * @param accessKeyId empty to use the AWS SDK's default credentials (environment, profile, role)
 */
public record S3Settings(
    String bucket,
    String prefix,
    String archivePrefix,
    String endpoint,
    String region,
    String accessKeyId,
    String secretAccessKey) {

  public static final S3Settings NONE = new S3Settings("", "", "", "", "", "", "");

  public static S3Settings fromEnv(Map<String, String> env) {
    String bucket = get(env, "PREQUEL_S3_BUCKET", "");
    if (bucket.isEmpty()) {
      return NONE;
    }
    String prefix = folder(get(env, "PREQUEL_S3_PREFIX", "challenges/"));
    String archivePrefix = folder(get(env, "PREQUEL_S3_ARCHIVE_PREFIX", "archive/"));
    String endpoint = get(env, "PREQUEL_S3_ENDPOINT", "");
    if (!endpoint.isEmpty()) {
      URI.create(endpoint); // fails early on a malformed endpoint
    }
    return new S3Settings(
        bucket,
        prefix,
        archivePrefix,
        endpoint,
        get(env, "PREQUEL_S3_REGION", "us-east-1"),
        get(env, "PREQUEL_S3_ACCESS_KEY_ID", ""),
        get(env, "PREQUEL_S3_SECRET_ACCESS_KEY", ""));
  }

  public boolean enabled() {
    return !bucket.isEmpty();
  }

  /** A client for this endpoint, region and credentials (path-style when an endpoint is set). */
  public S3Client newClient() {
    S3ClientBuilder builder =
        S3Client.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(region));
    if (!endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    builder.credentialsProvider(
        accessKeyId.isEmpty()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(
                AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
    return builder.build();
  }

  /** A failed S3 request, said in words an operator acts on (naming the settings to check). */
  public String explain(SdkException e) {
    if (!(e instanceof S3Exception s3)) {
      return "cannot be reached (check PREQUEL_S3_ENDPOINT and PREQUEL_S3_REGION): "
          + e.getMessage();
    }
    String what =
        switch (s3.statusCode()) {
          case 403 ->
              "access denied (check PREQUEL_S3_ACCESS_KEY_ID and PREQUEL_S3_SECRET_ACCESS_KEY)";
          case 404 -> "not found (does bucket '" + bucket + "' of PREQUEL_S3_BUCKET exist?)";
          default -> "failed with HTTP " + s3.statusCode();
        };
    return what
        + (s3.awsErrorDetails() == null ? "" : " [" + s3.awsErrorDetails().errorCode() + "]");
  }

  @Override
  public String toString() {
    return "S3Settings[bucket="
        + bucket
        + ", prefix="
        + prefix
        + ", archivePrefix="
        + archivePrefix
        + ", endpoint="
        + endpoint
        + ", region="
        + region
        + ", accessKeyId="
        + accessKeyId
        + ", secretAccessKey=***]";
  }

  private static String folder(String prefix) {
    return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
  }

  private static String get(Map<String, String> env, String name, String fallback) {
    String v = env.get(name);
    return v == null || v.isBlank() ? fallback : v.strip();
  }
}
