package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

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
            new KubernetesMixedDispatcher(responses),
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

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
