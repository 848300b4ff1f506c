package dev.prequel.runtime;

import java.io.IOException;
import java.io.InputStream;

/**
 * Receives a workspace's files from {@link WorkspaceRuntime#readFiles}. Paths are relative to the
 * workspace's folder and use '/'. Only regular files are handed over: symbolic links are not
 * followed (they could point anywhere on the host); FIFOs, devices and sockets are left out.
 */
public interface WorkspaceFileVisitor {

  /** Whether to look inside this folder; false skips it and everything below it. */
  boolean enterFolder(String path);

  /**
   * Folder names never to be looked into, wherever they are; the runtime may then not even read
   * them. {@link #enterFolder} is still asked about each (its answer for these is false).
   */
  default java.util.Set<String> excludedFolderNames() {
    return java.util.Set.of();
  }

  /**
   * The runtime stopped before the last file: a bound on files, bytes or time was reached (a
   * workspace of a million files must not hold Prequel up). What came before is whole.
   */
  default void truncated(String why) {}

  /** One regular file; {@code content} may be opened once during this call, or not at all. */
  void file(String path, long size, boolean executable, Content content) throws IOException;

  /** A file's bytes, opened on demand. */
  @FunctionalInterface
  interface Content {
    InputStream open() throws IOException;
  }
}
