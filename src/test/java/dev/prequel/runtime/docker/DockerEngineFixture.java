package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real Docker Engine for tests: {@code ./prequel test} installs and starts it and builds the
 * workspace image; a machine without an engine skips these tests, saying why.
 */
public final class DockerEngineFixture {

  private static final Map<String, String> SCOPES = new ConcurrentHashMap<>();

  private DockerEngineFixture() {}

  /**
   * Claims {@code scope} for the calling test class. A class removes its whole scope when it ends,
   * so two classes on one scope remove each other's containers mid-test (CI once lost a setup that
   * way); the second class to claim a scope fails at once instead.
   */
  public static String scope(String scope) {
    String by =
        StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
            .getCallerClass()
            .getName();
    String earlier = SCOPES.putIfAbsent(scope, by);
    if (earlier != null && !earlier.equals(by)) {
      throw new IllegalStateException(
          "Docker test scope " + scope + " is " + earlier + "'s already; give " + by + " its own");
    }
    return scope;
  }

  /** A client for the engine; skips the test when none is reachable; fails without the image. */
  public static DockerClient engine() {
    DockerClient docker = dev.prequel.runtime.docker.DockerEngine.connect();
    try {
      docker.pingCmd().exec();
    } catch (RuntimeException e) {
      assumeTrue(
          false,
          "no Docker Engine reachable ("
              + e.getMessage()
              + "): ./prequel test installs and starts one");
    }
    try {
      docker.inspectImageCmd(DockerRuntime.DEFAULT_IMAGE).exec();
    } catch (NotFoundException e) {
      assertThat(false)
          .as(
              "the workspace image "
                  + DockerRuntime.DEFAULT_IMAGE
                  + " is missing: run scripts/docker-workspace-image.sh")
          .isTrue();
    }
    return docker;
  }

  /**
   * Where the tests' workspace disks live: one folder for every test class on the real engine (the
   * images are named after the interview ids, unique to each class), kept across runs.
   */
  public static Path disks() {
    return Path.of("/var/tmp/prequel-test-docker-disks");
  }

  /**
   * Removes the containers, volumes and networks of workspaces made in {@code scope} (a test's own,
   * see {@link DockerRuntime#DEFAULT_SCOPE}): what a test leaves when it fails half-way.
   */
  public static void removeScope(String scope) {
    DockerClient docker = dev.prequel.runtime.docker.DockerEngine.connect();
    String label = WorkspaceContainer.LABEL_SCOPE + "=" + scope;
    for (var c :
        docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(label)).exec()) {
      String owner = c.getLabels().get(WorkspaceContainer.LABEL_OWNER);
      ignoringMissing(() -> docker.removeContainerCmd(c.getId()).withForce(true).exec());
      if (owner != null) {
        ignoringMissing(() -> docker.removeNetworkCmd(WorkspaceNetworks.name(owner)).exec());
      }
    }
    for (var v : docker.listVolumesCmd().withFilter("label", List.of(label)).exec().getVolumes()) {
      ignoringMissing(() -> docker.removeVolumeCmd(v.getName()).exec());
    }
  }

  private static void ignoringMissing(Runnable removal) {
    try {
      removal.run();
    } catch (NotFoundException e) {
      // gone already
    }
  }

  /** Whether code-server answers {@code /healthz} at the workspace's endpoint. */
  public static boolean healthy(URI endpoint) {
    try {
      return get(endpoint, "/healthz").statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** {@code GET path} at the workspace's endpoint, as the proxy would, without following. */
  public static HttpResponse<String> get(URI endpoint, String path)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .version(
                HttpClient.Version.HTTP_1_1) // an h2c upgrade reads as a WebSocket to code-server
            .connectTimeout(Duration.ofSeconds(2))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return client.send(
        HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
