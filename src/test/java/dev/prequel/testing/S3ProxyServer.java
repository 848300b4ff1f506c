package dev.prequel.testing;

import dev.prequel.challenge.S3Settings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.eclipse.jgit.util.FileUtils;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 endpoint for tests: S3Proxy, in-process, keeping its objects in a temp folder. It can
 * be stopped and started again on the same port with the same objects (an outage).
 */
public final class S3ProxyServer implements AutoCloseable {

  public static final String KEY = "prequel-test";
  public static final String SECRET = "prequel-test-secret";

  private final Path blobs;
  private S3Proxy proxy;
  private int port;

  public S3ProxyServer() throws Exception {
    blobs = Files.createTempDirectory("s3proxy-");
    start();
  }

  /** Starts (again) on the same port as before, or a free one the first time. */
  public void start() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", blobs.toString());
    proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create("filesystem", props))
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET)
            .build();
    proxy.start();
    while (!proxy.getState().equals("STARTED")) {
      Thread.sleep(10); // S3Proxy starts its Jetty asynchronously
    }
    port = proxy.getPort();
  }

  public void stop() throws Exception {
    proxy.stop();
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Settings for this endpoint; {@code prefix} is used for both the library and the archive. */
  public S3Settings settings(String bucket, String prefix, String secret) {
    return new S3Settings(bucket, prefix, prefix, endpoint().toString(), "us-east-1", KEY, secret);
  }

  /** A client with the right credentials, for setting up and checking a test. */
  public S3Client admin() {
    return settings("", "", SECRET).newClient();
  }

  public void createBucket(String bucket) {
    try (S3Client admin = admin()) {
      admin.createBucket(b -> b.bucket(bucket));
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    FileUtils.delete(blobs.toFile(), FileUtils.RECURSIVE | FileUtils.SKIP_MISSING);
  }
}
