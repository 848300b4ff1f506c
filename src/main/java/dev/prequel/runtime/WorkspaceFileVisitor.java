package dev.prequel.runtime;

import java.io.IOException;
import java.io.InputStream;

/**
 * Receives a workspace's files from {@link WorkspaceRuntime#readFiles}. Paths are relative to the
 * workspace's folder and use '/'. Only regular files are handed over: symbolic links are not
 * followed (they could point anywhere on the host).
 */
public interface WorkspaceFileVisitor {

  /** Whether to look inside this folder; false skips it and everything below it. */
  boolean enterFolder(String path);

  /** One regular file; {@code content} may be opened once during this call, or not at all. */
  void file(String path, long size, boolean executable, Content content) throws IOException;

  /** A file's bytes, opened on demand. */
  @FunctionalInterface
  interface Content {
    InputStream open() throws IOException;
  }
}
