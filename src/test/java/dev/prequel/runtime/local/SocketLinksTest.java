package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketLinksTest {

  @TempDir Path tmp;

  @Test
  void aDeepFolderGetsAShortSocketPathThatLeadsIntoItsRunFolder() throws IOException {
    Path deep = tmp.resolve("x".repeat(60)).resolve("y".repeat(60)).resolve("workspaces");
    InterviewFolder folder = InterviewFolder.of(deep, "spare-abcdefghijkl");
    Files.createDirectories(folder.socketDir());
    Files.writeString(folder.socket(), "stands in for the socket");
    SocketLinks links = new SocketLinks(tmp.resolve("links").resolve("k"));

    Path socket = links.link(folder);

    assertThat(folder.socket().toString()).hasSizeGreaterThan(SocketLinks.MAX_SOCKET_PATH);
    assertThat(socket.toString()).hasSizeLessThanOrEqualTo(SocketLinks.MAX_SOCKET_PATH);
    assertThat(socket).hasContent("stands in for the socket");
    assertThat(links.link(folder)).isEqualTo(socket); // again: the same link
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("links/k"), LinkOption.NOFOLLOW_LINKS)))
        .isEqualTo("rwx------");

    links.unlink(folder);
    assertThat(socket.getParent()).doesNotExist();
    assertThat(tmp.resolve("links/k")).doesNotExist(); // the last link gone: its folder too
    assertThat(folder.socket()).exists(); // the workspace's own files stay
  }

  @Test
  void aLinkFolderOfAnotherUserIsRefused() throws IOException {
    assumeTrue(
        "root".equals(System.getProperty("user.name")), "only root can make another's folder");
    Path theirs = Files.createDirectories(tmp.resolve("links/k"));
    Files.setAttribute(theirs, "unix:uid", 65534); // nobody
    InterviewFolder folder = InterviewFolder.of(tmp.resolve("workspaces"), "a");
    Files.createDirectories(folder.socketDir());

    assertThatThrownBy(() -> new SocketLinks(theirs).link(folder))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not a folder of Prequel's own user");
    assertThat(theirs.resolve("a")).doesNotExist();
  }
}
