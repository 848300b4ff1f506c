package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ManifestReader;
import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.testing.TestLocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The shipped React challenge's setup ({@code npm ci}) in docker workspaces without any network:
 * the npm cache filled on the host and handed over, then the reuse cache. Real engine, scope {@code
 * dk}.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class DockerChallengeSetupTest {

  private static final String SCOPE = DockerEngineFixture.scope("dk");
  private static final Path CHALLENGE = Path.of("challenges/react-searchable-list");

  /** Kept across runs (the npm cache is filled from the registry once); reuse starts empty. */
  private static final Path CACHE = Path.of("/var/tmp/prequel-test-docker-cache");

  private final List<String> ids = new ArrayList<>();
  private DockerClient docker;
  private DockerRuntime runtime;

  @BeforeEach
  void setUp() throws Exception {
    docker = DockerEngineFixture.engine();
    Path reuse = CACHE.resolve("docker-setup");
    if (Files.isDirectory(reuse)) {
      try (Stream<Path> kept = Files.list(reuse)) {
        for (Path p : kept.toList()) {
          Files.delete(p);
        }
      }
    }
    runtime =
        new DockerRuntime(
            docker,
            DockerRuntime.DEFAULT_IMAGE,
            DockerRuntime.DEFAULT_SUBNETS,
            WorkspaceLimits.DEFAULT,
            Outbound.NONE,
            DockerEngineFixture.disks(),
            CACHE,
            Clock.systemUTC(),
            SCOPE,
            null);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (String id : ids) {
      runtime.destroy(id, line -> {});
    }
    DockerEngineFixture.removeScope(SCOPE);
  }

  @Test
  void reactChallengeSetsUpWithoutNetworkAndLaterWorkspacesReuseItsNodeModules() throws Exception {
    Challenge challenge =
        new Challenge(
            "react-searchable-list",
            ManifestReader.read(
                "react-searchable-list/challenge.yaml",
                "react-searchable-list",
                Files.readAllBytes(CHALLENGE.resolve("challenge.yaml"))),
            Instant.EPOCH,
            false,
            0,
            null,
            List.of());
    WorkspaceSetup setup = challenge.workspaceSetup(CHALLENGE);
    assertThat(challenge.manifest().network()).isEqualTo(Outbound.NONE);

    List<String> first = new ArrayList<>();
    String a = start(challenge, "dk-react-a", first);
    runtime.runSetup(a, setup, first::add);

    assertThat(String.join("\n", first))
        .contains("$ npm ci")
        .contains("npm: package cache handed to the workspace");
    assertThat(runtime.exec(a, "getent hosts registry.npmjs.org || echo no-network").output())
        .contains("no-network");
    var tests = runtime.exec(a, "npm test 2>&1", Duration.ofMinutes(3));
    assertThat(tests.output()).contains("Test Files").doesNotContain("ENOTFOUND");

    List<String> second = new ArrayList<>();
    String b = start(challenge, "dk-react-b", second);
    runtime.runSetup(b, setup, second::add);
    Stream.concat(first.stream(), second.stream())
        .filter(l -> l.startsWith("npm:") || l.startsWith("setup"))
        .forEach(l -> System.out.println("[measure] " + l));

    assertThat(String.join("\n", second))
        .contains("setup: reused node_modules from an earlier setup of this challenge")
        .doesNotContain("$ npm ci");
    var again = runtime.exec(b, "stat -c %u node_modules/.bin/vitest; npm test 2>&1");
    assertThat(again.output()).startsWith("1000\n").contains("Test Files");
    assertThat(again.output().lines().filter(l -> l.contains("Tests ")).findFirst())
        .isEqualTo(tests.output().lines().filter(l -> l.contains("Tests ")).findFirst());
  }

  private String start(Challenge challenge, String id, List<String> log) throws Exception {
    ids.add(id);
    runtime.provision(challenge.workspaceSpec(id), log::add);
    runtime.configure(id, CHALLENGE, log::add);
    return id;
  }
}
