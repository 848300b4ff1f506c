package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's mock API server in CRUD mode (it stores, lists, watches and deletes objects as a real
 * one would; it runs nothing): the cluster the kubernetes runtime's tests talk to, with the
 * workspace NetworkPolicies of {@code deploy/kubernetes} applied, as an operator would.
 */
final class MockCluster implements AutoCloseable {

  static final String NAMESPACE = "prequel-test";
  static final Path DEPLOY = Path.of("deploy/kubernetes");

  final KubernetesMockServer server;
  final KubernetesClient client;

  private MockCluster(boolean withPolicies) throws Exception {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new ResizingDispatcher(responses),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    if (withPolicies) {
      for (NetworkPolicy policy : workspacePolicies()) {
        client.network().v1().networkPolicies().inNamespace(NAMESPACE).resource(policy).create();
      }
    }
  }

  /** A cluster where the operator applied deploy/kubernetes/workspace-network.yaml. */
  static MockCluster withPolicies() throws Exception {
    return new MockCluster(true);
  }

  /** A cluster where nobody applied the workspace NetworkPolicies. */
  static MockCluster bare() throws Exception {
    return new MockCluster(false);
  }

  /** The NetworkPolicies shipped for workspaces, parsed with fabric8's model. */
  static List<NetworkPolicy> workspacePolicies() throws Exception {
    return Manifests.read(DEPLOY.resolve("workspace-network.yaml"), NetworkPolicy.class);
  }

  /**
   * The mock server knows no {@code pods/resize} subresource (Kubernetes 1.33+): this applies such
   * a patch to the pod itself, as the API server does (it changes only the resources). That the
   * kubelet then resizes the running container is not played.
   */
  private static final class ResizingDispatcher extends KubernetesMixedDispatcher {
    private static final Pattern RESIZE = Pattern.compile("(.*/pods/[^/?]+)/resize(\\?.*)?");

    ResizingDispatcher(Map<ServerRequest, Queue<ServerResponse>> responses) {
      super(responses);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      Matcher resize = RESIZE.matcher(request.getPath());
      if (request.method() == HttpMethod.PATCH && resize.matches()) {
        String path = resize.group(1) + (resize.group(2) == null ? "" : resize.group(2));
        return super.dispatch(
            new RecordedRequest(
                request.getHttpVersion(),
                request.method(),
                path,
                request.getHeaders(),
                request.getBody()));
      }
      return super.dispatch(request);
    }
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
