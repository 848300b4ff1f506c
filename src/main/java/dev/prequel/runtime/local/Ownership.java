package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Hands files to a workspace's user (root makes the workspace's folders; the candidate must be able
 * to edit what is in them). A tree is handed over without following anything ({@link SecureTree}):
 * the candidate may have put links in it.
 */
final class Ownership {

  private Ownership() {}

  /**
   * @param path a path whose parent folder the candidate cannot change
   * @param recursive also everything below it (a workspace leased to another user than before)
   */
  static void chown(Path path, WorkspaceUsers.User user, boolean recursive) throws IOException {
    if (recursive && Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      SecureTree.chown(path, user);
      return;
    }
    Files.setAttribute(path, "unix:uid", user.uid(), LinkOption.NOFOLLOW_LINKS);
    Files.setAttribute(path, "unix:gid", user.gid(), LinkOption.NOFOLLOW_LINKS);
  }
}
