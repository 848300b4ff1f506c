package dev.prequel.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipalLookupService;

/**
 * Removes or hands over a folder tree the candidate may have changed, as root, without following
 * anything: every step is relative to an open folder descriptor ({@link SecureDirectoryStream}:
 * openat with O_NOFOLLOW, fstatat, unlinkat), so swapping a folder for a link while it runs leads
 * nowhere. The top folder itself must sit in a folder the candidate cannot change.
 */
final class SecureTree {

  private SecureTree() {}

  /** Removes {@code top} and everything below it; nothing there is followed. */
  static void delete(Path top) throws IOException {
    try (SecureDirectoryStream<Path> dir = open(top.toAbsolutePath().getParent())) {
      deleteEntry(dir, top.getFileName());
    }
  }

  /** Removes {@code name} from {@code dir}, a folder with everything below it; gone is fine. */
  private static void deleteEntry(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    BasicFileAttributes attrs;
    try {
      attrs = attributes(dir, name);
    } catch (NoSuchFileException e) {
      return;
    }
    if (attrs.isDirectory()) {
      try (SecureDirectoryStream<Path> inner =
          dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
        for (Path entry : inner) {
          deleteEntry(inner, entry.getFileName());
        }
      }
      dir.deleteDirectory(name);
    } else {
      try {
        dir.deleteFile(name); // unlinkat: a link goes, not what it names
      } catch (NoSuchFileException e) {
        // gone meanwhile
      }
    }
  }

  /**
   * Makes {@code top} and the folders and regular files below it the user's, as far as they are not
   * already; links, FIFOs, sockets and devices are left alone (opening a FIFO would block). Only
   * for trees no process of the candidate changes meanwhile (a workspace being provisioned): a file
   * swapped for a FIFO between the look and the open would hold the open.
   */
  static void chown(Path top, WorkspaceUsers.User user) throws IOException {
    Path parent = top.toAbsolutePath().getParent();
    UserPrincipalLookupService users = top.getFileSystem().getUserPrincipalLookupService();
    var owner = users.lookupPrincipalByName(String.valueOf(user.uid()));
    var group = users.lookupPrincipalByGroupName(String.valueOf(user.gid()));
    try (SecureDirectoryStream<Path> dir = open(parent)) {
      Path name = top.getFileName();
      PosixFileAttributes attrs = posix(dir, name).readAttributes();
      if (!attrs.isDirectory()) {
        throw new IOException(top + " is no folder");
      }
      try (SecureDirectoryStream<Path> inner =
          dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
        chownContent(inner, owner, group);
        PosixFileAttributeView self = inner.getFileAttributeView(PosixFileAttributeView.class);
        self.setOwner(owner);
        self.setGroup(group);
      }
    }
  }

  private static void chownContent(
      SecureDirectoryStream<Path> dir,
      java.nio.file.attribute.UserPrincipal owner,
      java.nio.file.attribute.GroupPrincipal group)
      throws IOException {
    for (Path entry : dir) {
      Path name = entry.getFileName();
      PosixFileAttributes attrs;
      try {
        attrs = posix(dir, name).readAttributes();
      } catch (NoSuchFileException e) {
        continue;
      }
      if (attrs.isDirectory()) {
        try (SecureDirectoryStream<Path> inner =
            dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
          chownContent(inner, owner, group);
          PosixFileAttributeView self = inner.getFileAttributeView(PosixFileAttributeView.class);
          if (!attrs.owner().equals(owner) || !attrs.group().equals(group)) {
            self.setOwner(owner);
            self.setGroup(group);
          }
        }
      } else if (attrs.isRegularFile()
          && (!attrs.owner().equals(owner) || !attrs.group().equals(group))) {
        PosixFileAttributeView view = posix(dir, name);
        view.setOwner(owner); // opens O_NOFOLLOW relative to the folder, then fchown
        view.setGroup(group);
      }
    }
  }

  @SuppressWarnings("StreamResourceLeak") // returned open: every caller closes it
  private static SecureDirectoryStream<Path> open(Path folder) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(folder);
    if (stream instanceof SecureDirectoryStream<Path> secure) {
      return secure;
    }
    stream.close();
    throw new IOException(
        "this system offers no secure directory streams (openat/unlinkat); cannot work safely in "
            + folder);
  }

  private static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name)
      throws IOException {
    return dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .readAttributes();
  }

  private static PosixFileAttributeView posix(SecureDirectoryStream<Path> dir, Path name) {
    return dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
  }
}
