package dev.prequel.proxy;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.store.InterviewStore;
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
  private final Map<String, Workspace> cache = new ConcurrentHashMap<>();

  public LiveWorkspaces(InterviewStore store, WorkspaceRuntime runtime, InterviewEvents events) {
    this.store = store;
    this.runtime = runtime;
    events.subscribe(i -> cache.remove(i.id()));
  }

  @Override
  public Optional<Workspace> workspaceOf(String interviewId) {
    Workspace cached = cache.get(interviewId);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<Workspace> workspace =
        store
            .find(interviewId)
            .filter(i -> i.status().wantsWorkspace())
            .map(Interview::id)
            .flatMap(runtime::find);
    workspace.ifPresent(w -> cache.put(interviewId, w));
    return workspace;
  }

  /** Forgets an endpoint the proxy found dead (e.g. the process was restarted on another port). */
  public void forget(String interviewId) {
    cache.remove(interviewId);
  }
}
