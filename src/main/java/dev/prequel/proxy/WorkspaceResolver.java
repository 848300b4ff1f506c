package dev.prequel.proxy;

import dev.prequel.runtime.Workspace;
import java.util.Optional;

/**
 * Tells the proxy where the workspace of an interview id answers (its endpoint, and who must answer
 * there), if it is one that may be served now.
 */
@FunctionalInterface
public interface WorkspaceResolver {
  Optional<Workspace> workspaceOf(String interviewId);
}
