package dev.prequel.runtime;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * {@link WorkspaceRuntime#readFiles(String, Set, WorkspaceFileVisitor)}'s default (and a runtime's,
 * for a workspace it cannot run a command in): a full read that enters only the folders above the
 * named files and hands over only those.
 */
public final class OnlyThese implements WorkspaceFileVisitor {

  private final Set<String> paths;
  private final Set<String> folders = new HashSet<>();
  private final WorkspaceFileVisitor visitor;

  public OnlyThese(Set<String> paths, WorkspaceFileVisitor visitor) {
    this.paths = Set.copyOf(paths);
    this.visitor = visitor;
    for (String p : paths) {
      for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
        folders.add(p.substring(0, i));
      }
    }
  }

  @Override
  public boolean enterFolder(String path) {
    return folders.contains(path) && visitor.enterFolder(path);
  }

  @Override
  public Set<String> excludedFolderNames() {
    return visitor.excludedFolderNames();
  }

  @Override
  public void truncated(String why) {
    visitor.truncated(why);
  }

  @Override
  public void file(String path, long size, boolean executable, Content content) throws IOException {
    if (paths.contains(path)) {
      visitor.file(path, size, executable, content);
    }
  }
}
