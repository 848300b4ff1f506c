package dev.prequel.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSecrets;
import dev.prequel.runtime.WorkspaceSpec;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Role in {@code deploy/kubernetes/role.yaml} grants exactly what the runtime asks the API
 * server for: every request the runtime's own client makes to the mock server over a workspace's
 * whole life (start, files of a running and a stopped one, stop, start again, a spare claimed and
 * resized, destroy, describe) is turned into (resource, verb), plus exec, which the mock cannot
 * serve and {@link ApiPodExec} does on a cluster.
 */
class RoleVerbsTest {

  private static final String AGENT = "prequel-runtime-under-test";

  // /api/v1/namespaces/ns/pods/name/sub or /apis/group/version/namespaces/ns/resource/...
  private static final Pattern PATH =
      Pattern.compile(
          "/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(\\?.*)?");

  @TempDir Path scratch;

  @Test
  void theRoleGrantsExactlyTheVerbsTheRuntimeUses() throws Exception {
    Set<String> used = new TreeSet<>();
    try (MockCluster cluster = MockCluster.withPolicies();
        KubernetesClient own =
            cluster.server.createClient(
                b ->
                    b.withConfig(
                        new ConfigBuilder(cluster.client.getConfiguration())
                            .withUserAgent(AGENT)
                            .build()));
        FakeKubelet kubelet =
            new FakeKubelet(cluster.client, MockCluster.NAMESPACE, scratch, null, 8080);
        KubernetesRuntime runtime =
            new KubernetesRuntime(
                own,
                new KubernetesSettings(
                    MockCluster.NAMESPACE,
                    "prequel-workspace:4.100.3",
                    null,
                    null,
                    8080,
                    WorkspaceLimits.DEFAULT,
                    Outbound.NONE,
                    Duration.ofSeconds(5)),
                new LocalPodExec(kubelet),
                Clock.systemUTC())) {
      Path challenge = Files.createDirectories(scratch.resolve("challenge"));
      Files.writeString(challenge.resolve("README.md"), "# hi\n");

      runtime.describe();
      runtime.provision(
          new WorkspaceSpec("rv-a")
              .withSecrets(WorkspaceSecrets.of(java.util.Map.of("RV_KEY", "rv-value"))),
          line -> {});
      runtime.configure("rv-a", challenge, line -> {});
      runtime.readFiles("rv-a", new Count());
      runtime.stop("rv-a", line -> {});
      runtime.readFiles("rv-a", new Count());
      runtime.provision(new WorkspaceSpec("rv-a"), line -> {});
      runtime.whyStopped("rv-a");
      Workspace spare = runtime.startSpare(line -> {});
      assertThat(
              runtime.claim(
                  spare.interviewId(),
                  new WorkspaceSpec("rv-b", new WorkspaceLimits(500, 512, 128)),
                  line -> {}))
          .isTrue();
      runtime.destroy("rv-a", line -> {});
      runtime.destroy("rv-b", line -> {});

      for (RecordedRequest r;
          (r = cluster.server.takeRequest(100, TimeUnit.MILLISECONDS)) != null; ) {
        if (AGENT.equals(r.getHeader("User-Agent"))) {
          used.add(rule(r));
        }
      }
    }
    used.add("/pods/exec:create"); // ApiPodExec, on a cluster
    // destroy waits on a watch while a claim terminates; the mock deletes it at once (no watch)
    used.add("/persistentvolumeclaims:watch");

    Set<String> granted = new TreeSet<>();
    for (Role role : Manifests.read(MockCluster.DEPLOY.resolve("role.yaml"), Role.class)) {
      for (var rule : role.getRules()) {
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            for (String verb : rule.getVerbs()) {
              granted.add(group + "/" + resource + ":" + verb);
            }
          }
        }
      }
    }
    assertThat(granted).isEqualTo(used);
  }

  /** {@code group/resource[/sub]:verb}, as RBAC names what a request needs. */
  private static String rule(RecordedRequest request) {
    Matcher m = PATH.matcher(request.getPath());
    if (!m.matches()) {
      return "unexpected " + request.getMethod() + " " + request.getPath();
    }
    String group = m.group(1) == null ? "" : m.group(1);
    String resource = m.group(2) + (m.group(4) == null ? "" : "/" + m.group(4));
    boolean named = m.group(3) != null;
    String query = m.group(5) == null ? "" : m.group(5);
    String verb =
        switch (request.getMethod()) {
          case "GET" -> named ? "get" : query.contains("watch=true") ? "watch" : "list";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> named ? "delete" : "deletecollection";
          default -> request.getMethod();
        };
    return group + "/" + resource + ":" + verb;
  }

  private static final class Count implements WorkspaceFileVisitor {
    @Override
    public boolean enterFolder(String path) {
      return true;
    }

    @Override
    public void file(String path, long size, boolean executable, Content content) {}
  }
}
