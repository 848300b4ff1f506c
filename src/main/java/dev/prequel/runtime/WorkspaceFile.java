package dev.prequel.runtime;

/**
 * One regular file of a workspace as {@link WorkspaceRuntime#listFiles} sees it, without its bytes.
 *
 * @param path relative to the workspace's folder, with '/'
 * @param size in bytes
 * @param version changes whenever the content may have changed (a runtime that reads the bytes
 *     gives their hash; one that lists without reading gives size, modification and change times,
 *     which a candidate cannot set back together); equal versions mean the same content
 */
public record WorkspaceFile(String path, long size, String version) {

  public WorkspaceFile {
    if (path == null || path.isEmpty() || path.startsWith("/")) {
      throw new IllegalArgumentException("not a path inside the workspace: " + path);
    }
    if (size < 0 || version == null) {
      throw new IllegalArgumentException("a file needs a size and a version: " + path);
    }
  }
}
