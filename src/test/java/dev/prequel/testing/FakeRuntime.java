package dev.prequel.testing;

import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An in-memory runtime for unit tests of the lifecycle and scheduler, which are about decisions and
 * timing, not processes. Integration tests use the real local runtime.
 */
public final class FakeRuntime implements WorkspaceRuntime {

  public final Map<String, Workspace> running = new ConcurrentHashMap<>();
  public final Map<String, String> passwords = new ConcurrentHashMap<>();
  public final Map<String, Path> configuredWith = new ConcurrentHashMap<>();
  public final List<String> calls = new ArrayList<>();
  public volatile RuntimeException failProvision;
  private final Clock clock;

  public FakeRuntime(Clock clock) {
    this.clock = clock;
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public synchronized Workspace provision(WorkspaceSpec spec, Consumer<String> log) {
    calls.add("provision " + spec.interviewId());
    if (failProvision != null) {
      throw failProvision;
    }
    passwords.put(spec.interviewId(), spec.password());
    return running.computeIfAbsent(
        spec.interviewId(),
        id -> new Workspace(id, URI.create("http://127.0.0.1:1"), clock.instant()));
  }

  @Override
  public synchronized void configure(
      String interviewId, Path challengeFiles, Consumer<String> log) {
    calls.add("configure " + interviewId);
    configuredWith.put(interviewId, challengeFiles);
  }

  @Override
  public synchronized void runSetup(
      String interviewId, dev.prequel.runtime.WorkspaceSetup setup, Consumer<String> log) {
    calls.add("setup " + interviewId);
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    return Optional.ofNullable(running.get(interviewId));
  }

  @Override
  public List<Workspace> list() {
    return List.copyOf(running.values());
  }

  @Override
  public synchronized void destroy(String interviewId, Consumer<String> log) {
    calls.add("destroy " + interviewId);
    running.remove(interviewId);
  }

  /** A workspace nobody asked for, as if left behind by an earlier run. */
  public void startStray(String id) {
    running.put(id, new Workspace(id, URI.create("http://127.0.0.1:1"), clock.instant()));
  }
}
