package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against a real S3 endpoint (S3Proxy, in-process, on a temp folder). */
class S3ChallengeStoreTest extends ChallengeStoreContract {

  static final String KEY = "prequel-test";
  static final String SECRET = "prequel-test-secret";
  static S3Proxy proxy;
  static URI endpoint;
  static Path blobs;
  static int bucketNo;

  @BeforeAll
  static void startS3() throws Exception {
    blobs = Files.createTempDirectory("s3proxy-");
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", blobs.toString());
    proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET)
            .build();
    proxy.start();
    while (!proxy.getState().equals("STARTED")) {
      Thread.sleep(10); // S3Proxy starts its Jetty asynchronously
    }
    endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  @AfterAll
  static void stopS3() throws Exception {
    proxy.stop();
    FolderChallengeStore.deleteTree(blobs);
  }

  /** A fresh bucket per test, so tests do not see each other's challenges. */
  @Override
  ChallengeStore newStore(Path data) {
    String bucket = "challenges-" + ++bucketNo;
    try (S3Client admin =
        S3Client.builder()
            .endpointOverride(endpoint)
            .forcePathStyle(true)
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY, SECRET)))
            .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
            .build()) {
      admin.createBucket(b -> b.bucket(bucket));
    }
    return new S3ChallengeStore(settings(bucket, SECRET), data.resolve("cache"));
  }

  static S3Settings settings(String bucket, String secret) {
    return new S3Settings(bucket, "library/", endpoint.toString(), "us-east-1", KEY, secret);
  }

  @Test
  void wrongCredentialsFailClearly() throws Exception {
    try (S3ChallengeStore wrong =
        new S3ChallengeStore(settings("challenges-1", "not-the-secret"), data.resolve("c2"))) {
      assertThatThrownBy(wrong::ids)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("access denied")
          .hasMessageContaining("PREQUEL_S3_SECRET_ACCESS_KEY");
    }
  }

  @Test
  void theLibraryReportsAStoreItCannotReachAsUnavailable() throws Exception {
    library.add(folder("hotel", "Hotel"));
    try (S3ChallengeStore wrong =
        new S3ChallengeStore(settings("challenges-1", "not-the-secret"), data.resolve("c3"))) {
      assertThatThrownBy(() -> wrong.materialize("hotel"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("access denied");
    }
    assertThat(ProblemException.unavailable("x").kind().httpStatus).isEqualTo(503);
  }

  @Test
  void anUnchangedChallengeIsDownloadedOnce() throws Exception {
    library.add(folder("india", "India"));

    Path first = store.materialize("india");
    Path second = store.materialize("india");
    store.write(
        "india", "README.md", "# changed\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path third = store.materialize("india");

    assertThat(second).isEqualTo(first);
    assertThat(third).isNotEqualTo(first);
    assertThat(third.resolve("README.md")).hasContent("# changed");
  }
}
