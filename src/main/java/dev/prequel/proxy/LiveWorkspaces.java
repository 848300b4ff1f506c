package dev.prequel.proxy;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewEvents;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which workspace the proxy may serve for an id: an active interview's, to its candidate; one that
 * is still being prepared (scheduled, initializing, configuring) only to Prequel's readiness probe.
 * Answers come from a cache that every status change clears, so the many requests of a loading IDE
 * do not each read the database.
 */
public final class LiveWorkspaces implements WorkspaceResolver {

  private final InterviewStore store;
  private final WorkspaceRuntime runtime;
  private final Map<String, Lookup> cache = new ConcurrentHashMap<>();

  /** Counts status changes, so an answer read before one is never cached after it. */
  private final AtomicLong changes = new AtomicLong();

  public LiveWorkspaces(InterviewStore store, WorkspaceRuntime runtime, InterviewEvents events) {
    this.store = store;
    this.runtime = runtime;
    events.subscribe(
        i -> {
          changes.incrementAndGet();
          cache.remove(i.id());
        });
  }

  @Override
  public Optional<Workspace> workspaceOf(String interviewId) {
    Lookup found = lookup(interviewId);
    return found.stage() == Stage.OPEN ? found.workspace() : Optional.empty();
  }

  @Override
  public Optional<Workspace> knownOpen(String interviewId) {
    Lookup cached = cache.get(interviewId);
    return cached == null ? Optional.empty() : cached.workspace();
  }

  @Override
  public Lookup lookup(String interviewId) {
    Lookup cached = cache.get(interviewId);
    if (cached != null) {
      return cached;
    }
    long seen = changes.get();
    Optional<Interview> interview = store.find(interviewId);
    if (interview.isEmpty()) {
      return Lookup.NONE;
    }
    Status status = interview.get().status();
    Optional<Workspace> workspace =
        status.wantsWorkspace() ? runtime.find(interviewId) : Optional.empty();
    Lookup found;
    if (status == Status.INVITED) {
      found = Lookup.INVITED;
    } else if (status == Status.ACTIVE) {
      found = workspace.map(Lookup::open).orElse(Lookup.NONE);
    } else if (status == Status.SCHEDULED || status.wantsWorkspace()) {
      found = Lookup.preparing(workspace);
    } else {
      found = Lookup.NONE;
    }
    // Only open workspaces are cached (the many requests of an IDE; ids of nothing must not fill
    // the cache), and only when no status changed meanwhile: else a stale answer could stay.
    if (found.stage() == Stage.OPEN) {
      cache.put(interviewId, found);
      if (changes.get() != seen) {
        cache.remove(interviewId);
      }
    }
    return found;
  }
}
