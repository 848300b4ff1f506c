package dev.prequel.proxy;

import java.net.URI;
import java.util.Optional;

/**
 * Tells the proxy where the workspace of an interview id answers, if it is one that may be served
 * now.
 */
@FunctionalInterface
public interface WorkspaceResolver {
  Optional<URI> endpointOf(String interviewId);
}
