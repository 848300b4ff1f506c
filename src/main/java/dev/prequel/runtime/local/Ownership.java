package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Hands files to a workspace's user (root makes them; the candidate must be able to edit them). */
final class Ownership {

  private Ownership() {}

  static void chown(Path path, WorkspaceUsers.User user, boolean recursive) throws IOException {
    if (!recursive) {
      set(path, user);
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.toList()) {
        set(p, user);
      }
    }
  }

  private static void set(Path p, WorkspaceUsers.User user) throws IOException {
    Files.setAttribute(p, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(p, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
  }
}
