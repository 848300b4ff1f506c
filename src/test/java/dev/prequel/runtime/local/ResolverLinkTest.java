package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An egress workspace's DNS file goes where the host's /etc/resolv.conf really is: on hosts with
 * systemd-resolved that is a link into /run, and the sandbox's /run is its own.
 */
class ResolverLinkTest {

  @TempDir Path root;

  @Test
  void aPlainFileIsItself() throws Exception {
    Path resolv = Files.writeString(Files.createDirectories(root.resolve("etc")).resolve("r"), "");

    assertThat(Sandbox.resolvedLink(resolv)).isEqualTo(resolv);
  }

  @Test
  void aRelativeLinkLikeSystemdResolvedsLeadsIntoRunEvenWhenTheTargetIsNotThere() throws Exception {
    Path resolv = Files.createDirectories(root.resolve("etc")).resolve("resolv.conf");
    Files.createSymbolicLink(resolv, Paths.get("../run/systemd/resolve/stub-resolv.conf"));

    assertThat(Sandbox.resolvedLink(resolv))
        .isEqualTo(root.resolve("run/systemd/resolve/stub-resolv.conf"));
  }

  @Test
  void aChainOfLinksIsFollowedToItsEnd() throws Exception {
    Path etc = Files.createDirectories(root.resolve("etc"));
    Path middle = Files.createDirectories(root.resolve("etc/resolvconf")).resolve("resolv.conf");
    Files.createSymbolicLink(middle, root.resolve("run/resolvconf/resolv.conf"));
    Files.createSymbolicLink(etc.resolve("resolv.conf"), Paths.get("resolvconf/resolv.conf"));

    assertThat(Sandbox.resolvedLink(etc.resolve("resolv.conf")))
        .isEqualTo(root.resolve("run/resolvconf/resolv.conf"));
  }
}
