package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealing a code-server's socket folder: what the candidate may have done to it before the seal
 * (they own it until then) never makes the proxy's path lead anywhere but to their own socket.
 */
class SocketSealTest {

  private static final WorkspaceUsers.User NOBODY = new WorkspaceUsers.User("nobody", 65534, 65534);

  @TempDir Path tmp;
  private InterviewFolder folder;
  private SocketSeal seal;
  private Path link;

  @BeforeEach
  void freshFolder() throws IOException {
    assumeTrue("root".equals(System.getProperty("user.name")), "only root can hand folders over");
    folder = InterviewFolder.of(tmp.resolve("workspaces"), "ss1");
    Files.createDirectories(folder.root());
    seal = new SocketSeal(new SocketLinks(tmp.resolve("links").resolve("k")));
    link = seal.fresh(folder, NOBODY);
  }

  @Test
  void aSocketOfTheWorkspacesUserIsSealedAndOnlyThenLinked() throws Exception {
    Path dir = SocketSeal.current(folder).orElseThrow();
    assertThat(seal.sealIfReady(folder, NOBODY.uid())).as("no socket yet").isFalse();
    assertThat(link).doesNotExist();

    try (ServerSocketChannel server = listen(dir.resolve(SocketSeal.SOCKET), NOBODY.uid())) {
      assertThat(seal.sealIfReady(folder, NOBODY.uid())).isTrue();

      assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(0);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
          .isEqualTo("rwx--x--x");
      assertThat(link.toRealPath()).isEqualTo(dir.resolve(SocketSeal.SOCKET).toRealPath());
    }
  }

  @Test
  void aLinkInPlaceOfTheSocketIsNeverSealedNorLinked() throws Exception {
    // given the candidate put a link to a root-only host socket where code-server's goes
    Path dir = SocketSeal.current(folder).orElseThrow();
    Path host = Files.createDirectory(tmp.resolve("host"));
    try (ServerSocketChannel hostSocket = listen(host.resolve("host.sock"), 0)) {
      Path planted =
          Files.createSymbolicLink(dir.resolve(SocketSeal.SOCKET), host.resolve("host.sock"));
      Files.setAttribute(planted, "unix:uid", NOBODY.uid(), LinkOption.NOFOLLOW_LINKS);

      // when Prequel tries to seal it
      boolean sealed = seal.sealIfReady(folder, NOBODY.uid());

      // then it refuses, and the proxy's path leads nowhere
      assertThat(sealed).isFalse();
      assertThat(link).doesNotExist();
      assertThat(Files.getAttribute(dir, "unix:uid")).isEqualTo(NOBODY.uid());
    }
  }

  @Test
  void aSocketOfAnotherUserIsNotSealed() throws Exception {
    Path dir = SocketSeal.current(folder).orElseThrow();
    try (ServerSocketChannel root = listen(dir.resolve(SocketSeal.SOCKET), 0)) {
      assertThat(seal.sealIfReady(folder, NOBODY.uid())).isFalse();
      assertThat(link).doesNotExist();
    }
  }

  @Test
  void aRestartGetsAFreshFolderAndTheOldOneGoesWithoutFollowingLinks() throws Exception {
    // given an old folder holding a link to a precious file and a deep tree
    Path old = SocketSeal.current(folder).orElseThrow();
    Path precious = Files.writeString(tmp.resolve("precious"), "keep");
    Files.createSymbolicLink(old.resolve("link"), precious);
    Files.createDirectories(old.resolve("a/b/c"));
    Files.createSymbolicLink(old.resolve("a/b/c/up"), tmp);

    // when code-server starts again
    seal.fresh(folder, NOBODY);

    // then only the new, empty folder of the user remains, and nothing outside was touched
    Path fresh = SocketSeal.current(folder).orElseThrow();
    assertThat(fresh).isNotEqualTo(old);
    assertThat(old).doesNotExist();
    try (var entries = Files.list(folder.sockets())) {
      assertThat(entries.toList()).containsExactly(fresh);
    }
    assertThat(Files.getAttribute(fresh, "unix:uid")).isEqualTo(NOBODY.uid());
    assertThat(precious).hasContent("keep");
    assertThat(tmp.resolve("workspaces")).exists();
  }

  private static ServerSocketChannel listen(Path path, int uid) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
    Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
    return server;
  }
}
