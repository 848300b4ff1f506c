package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostToolsTest {

  private static final Manifest.Tool ABSENT =
      new Manifest.Tool("prequel-absent", "prequel-absent-tool-x9", "", List.of(), "apt install x");

  @Test
  void theLocalRuntimeNeedsTheToolsOnThisHost() {
    assertThat(HostTools.forRuntime("local", Clock.systemUTC()).missing(List.of(ABSENT)))
        .extracting(HostTools.Missing::tool)
        .containsExactly("prequel-absent");
  }

  @Test
  void containerRuntimesDoNotJudgeChallengesByThisHostsTools() {
    // The workspace image holds the environments' tools; Prequel's own host (or image) need not.
    for (String runtime : List.of("docker", "kubernetes")) {
      assertThat(HostTools.forRuntime(runtime, Clock.systemUTC()).missing(List.of(ABSENT)))
          .as(runtime)
          .isEmpty();
    }
  }
}
