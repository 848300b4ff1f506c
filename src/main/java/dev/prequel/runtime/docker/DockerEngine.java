package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.time.Duration;

/** Where the Docker Engine is, as the docker CLI finds it. */
public final class DockerEngine {

  private DockerEngine() {}

  /**
   * A client for the engine {@code DOCKER_HOST} names (with {@code DOCKER_TLS_VERIFY} and {@code
   * DOCKER_CERT_PATH}, as the CLI reads them), or the local socket. Connects lazily.
   */
  public static DockerClient connect() {
    DockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    ApacheDockerHttpClient http =
        new ApacheDockerHttpClient.Builder()
            .dockerHost(config.getDockerHost())
            .sslConfig(config.getSSLConfig())
            .maxConnections(64)
            .connectionTimeout(Duration.ofSeconds(5))
            .responseTimeout(Duration.ofMinutes(10))
            .build();
    return DockerClientImpl.getInstance(config, http);
  }

  /** Whether the engine runs on another machine: this host's folders and firewall are not its. */
  static boolean remote() {
    return remote(System.getenv("DOCKER_HOST"));
  }

  /** Whether this {@code DOCKER_HOST} names an engine on another machine. */
  static boolean remote(String dockerHost) {
    return dockerHost != null && !dockerHost.isBlank() && !dockerHost.startsWith("unix://");
  }
}
