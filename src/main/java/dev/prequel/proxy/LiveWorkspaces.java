package dev.prequel.proxy;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.InterviewStore;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which workspace the proxy may serve for an id: only one whose interview wants it now
 * (initializing, configuring or active). Answers come from a cache that every status change clears,
 * so the many requests of a loading IDE do not each read the database.
 */
public final class LiveWorkspaces implements WorkspaceResolver {

  private final InterviewStore store;
  private final WorkspaceRuntime runtime;
  private final Map<String, URI> cache = new ConcurrentHashMap<>();

  public LiveWorkspaces(InterviewStore store, WorkspaceRuntime runtime, InterviewEvents events) {
    this.store = store;
    this.runtime = runtime;
    events.subscribe(i -> cache.remove(i.id()));
  }

  @Override
  public Optional<URI> endpointOf(String interviewId) {
    URI cached = cache.get(interviewId);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<URI> endpoint =
        store
            .find(interviewId)
            .filter(i -> i.status().wantsWorkspace())
            .map(Interview::id)
            .flatMap(runtime::find)
            .map(Workspace::endpoint);
    endpoint.ifPresent(uri -> cache.put(interviewId, uri));
    return endpoint;
  }

  /** Forgets an endpoint the proxy found dead (e.g. the process was restarted on another port). */
  public void forget(String interviewId) {
    cache.remove(interviewId);
  }
}
