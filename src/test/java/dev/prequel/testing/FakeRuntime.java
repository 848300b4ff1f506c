package dev.prequel.testing;

import dev.prequel.runtime.SpareIds;
import dev.prequel.runtime.Workspace;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceRuntime;
import dev.prequel.runtime.WorkspaceSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An in-memory runtime for unit tests of the lifecycle and scheduler, which are about decisions and
 * timing, not processes. Integration tests use the real local runtime.
 */
public final class FakeRuntime implements WorkspaceRuntime {

  /**
   * What outlives one instance, as processes and folders outlive a restart of Prequel: a {@link
   * #restarted} runtime shares it. Its monitor is the lock every operation takes.
   */
  private static final class State {
    final Map<String, Workspace> running = new ConcurrentHashMap<>();
    final Map<String, Path> configuredWith = new ConcurrentHashMap<>();
    final Map<String, Map<String, String>> files = new ConcurrentHashMap<>();
    final Map<String, Map<String, String>> writtenWhenStopped = new ConcurrentHashMap<>();
    final Map<String, WorkspaceLimits> limits = new ConcurrentHashMap<>();
    final Map<String, String> stoppedBecause = new ConcurrentHashMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
  }

  private final State state;

  public final Map<String, Workspace> running;
  public final Map<String, Path> configuredWith;

  /** Each workspace's files (path → content); kept when stopped, removed by destroy. */
  public final Map<String, Map<String, String>> files;

  /**
   * Files each workspace's process writes as it is stopped (an editor saving its buffers when it
   * gets SIGTERM): only a snapshot taken after the stop has them.
   */
  public final Map<String, Map<String, String>> writtenWhenStopped;

  public final List<String> calls;

  /** What each workspace's IDE clock was last told (its end, and a take-home's submit page). */
  public final Map<String, dev.prequel.runtime.WorkspaceClock> clocks = new ConcurrentHashMap<>();

  public volatile RuntimeException failProvision;

  /** Every destroy fails with this while set. */
  public volatile RuntimeException failDestroy;

  /** How many of the next starts exit at once (code-server dying while it starts). */
  public final java.util.concurrent.atomic.AtomicInteger exitAtStart =
      new java.util.concurrent.atomic.AtomicInteger();

  /** How long (clock time) a started workspace takes before it answers. */
  public volatile java.time.Duration startupTime = java.time.Duration.ZERO;

  private final Clock clock;

  public FakeRuntime(Clock clock) {
    this(clock, new State());
  }

  private FakeRuntime(Clock clock, State state) {
    this.clock = clock;
    this.state = state;
    this.running = state.running;
    this.configuredWith = state.configuredWith;
    this.files = state.files;
    this.writtenWhenStopped = state.writtenWhenStopped;
    this.calls = state.calls;
  }

  /**
   * A new instance over the same workspaces, as Prequel restarted on the same machine would see
   * them (the test knobs such as {@link #failProvision} start unset).
   */
  public FakeRuntime restarted() {
    FakeRuntime next = new FakeRuntime(clock, state);
    next.offersSpares = offersSpares;
    return next;
  }

  @Override
  public void showClock(String interviewId, dev.prequel.runtime.WorkspaceClock clock) {
    clocks.put(interviewId, clock);
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public Workspace provision(WorkspaceSpec spec, Consumer<String> log) {
    synchronized (state) {
      calls.add("provision " + spec.interviewId());
      if (failProvision != null) {
        throw failProvision;
      }
      Workspace already = running.get(spec.interviewId());
      if (already != null) {
        log.accept("already runs");
        return already;
      }
      log.accept("starting a fake workspace");
      files.computeIfAbsent(spec.interviewId(), id -> new TreeMap<>());
      state.stoppedBecause.remove(spec.interviewId());
      state.limits.put(
          spec.interviewId(), spec.limits() == null ? WorkspaceLimits.DEFAULT : spec.limits());
      Workspace started =
          new Workspace(spec.interviewId(), URI.create("http://127.0.0.1:1"), clock.instant());
      if (exitAtStart.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        return started; // started, and gone at once
      }
      running.put(spec.interviewId(), started);
      return started;
    }
  }

  @Override
  public void configure(String interviewId, Path challengeFiles, Consumer<String> log) {
    synchronized (state) {
      configureLocked(interviewId, challengeFiles);
    }
  }

  private void configureLocked(String interviewId, Path challengeFiles) {
    calls.add("configure " + interviewId);
    configuredWith.put(interviewId, challengeFiles);
    Map<String, String> ws = files.computeIfAbsent(interviewId, id -> new TreeMap<>());
    try (var walk = Files.walk(challengeFiles)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        String rel = challengeFiles.relativize(f).toString();
        if (!rel.equals("challenge.yaml")) {
          ws.putIfAbsent(rel, Files.readString(f));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The candidate writes a file. */
  public void write(String interviewId, String path, String content) {
    synchronized (state) {
      files.computeIfAbsent(interviewId, id -> new TreeMap<>()).put(path, content);
    }
  }

  /** The workspace's process exits on its own (a crash); its files stay. */
  public void crash(String interviewId) {
    running.remove(interviewId);
  }

  /** The kernel kills the workspace for going over its memory limit; its files stay. */
  public void killForMemory(String interviewId) {
    synchronized (state) {
      if (running.remove(interviewId) != null) {
        state.stoppedBecause.put(
            interviewId,
            "killed: out of memory (limit "
                + state.limits.getOrDefault(interviewId, WorkspaceLimits.DEFAULT).memoryMb()
                + " MiB)");
      }
    }
  }

  @Override
  public Optional<String> whyStopped(String interviewId) {
    return running.containsKey(interviewId)
        ? Optional.empty()
        : Optional.ofNullable(state.stoppedBecause.get(interviewId));
  }

  /** The limits the workspace was given (by provision or claim); empty when it has none. */
  public Optional<WorkspaceLimits> limitsOf(String interviewId) {
    return Optional.ofNullable(state.limits.get(interviewId));
  }

  @Override
  public void stop(String interviewId, Consumer<String> log) {
    synchronized (state) {
      calls.add("stop " + interviewId);
      stopRunning(interviewId);
    }
  }

  private void stopRunning(String interviewId) {
    if (running.remove(interviewId) != null) {
      Map<String, String> last = writtenWhenStopped.remove(interviewId);
      if (last != null) {
        files.computeIfAbsent(interviewId, id -> new TreeMap<>()).putAll(last);
      }
    }
  }

  @Override
  public boolean readFiles(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    Map<String, String> copy;
    synchronized (state) {
      Map<String, String> ws = files.get(interviewId);
      if (ws == null) {
        return false;
      }
      copy = new TreeMap<>(ws);
    }
    Map<String, Boolean> entered = new java.util.HashMap<>();
    for (Map.Entry<String, String> f : copy.entrySet()) {
      boolean visible = true;
      String path = f.getKey();
      for (int slash = path.indexOf('/');
          slash >= 0 && visible;
          slash = path.indexOf('/', slash + 1)) {
        visible = entered.computeIfAbsent(path.substring(0, slash), visitor::enterFolder);
      }
      if (visible) {
        byte[] bytes = f.getValue().getBytes(StandardCharsets.UTF_8);
        visitor.file(path, bytes.length, false, () -> new ByteArrayInputStream(bytes));
      }
    }
    return true;
  }

  @Override
  public void runSetup(
      String interviewId, dev.prequel.runtime.WorkspaceSetup setup, Consumer<String> log) {
    calls.add("setup " + interviewId);
  }

  @Override
  public Optional<Workspace> find(String interviewId) {
    return Optional.ofNullable(running.get(interviewId));
  }

  /** Whether the workspace runs and has had its {@link #startupTime} to start. */
  public boolean answers(String interviewId) {
    Workspace w = running.get(interviewId);
    return w != null && !clock.instant().isBefore(w.startedAt().plus(startupTime));
  }

  @Override
  public List<Workspace> list() {
    return running.values().stream().filter(w -> !w.interviewId().startsWith("spare-")).toList();
  }

  // ---- spares (off unless a test turns them on)

  /** Whether this runtime offers spares to a warm pool. */
  public volatile boolean offersSpares;

  /** The next spare start fails with this, once. */
  public volatile RuntimeException failNextSpare;

  @Override
  public boolean hasSpares() {
    return offersSpares;
  }

  @Override
  public Workspace startSpare(String spareId, Consumer<String> log) {
    RuntimeException failure = failNextSpare;
    if (failure != null) {
      failNextSpare = null;
      throw failure;
    }
    return provision(new WorkspaceSpec(SpareIds.check(spareId)), log);
  }

  @Override
  public List<String> spares() {
    return running.keySet().stream().filter(id -> id.startsWith("spare-")).sorted().toList();
  }

  @Override
  public boolean claim(String spareId, WorkspaceSpec spec, Consumer<String> log) {
    synchronized (state) {
      Workspace spare = running.get(spareId);
      if (spare == null
          || !spareId.startsWith("spare-")
          || running.containsKey(spec.interviewId())
          || files.containsKey(spec.interviewId())) {
        return false;
      }
      calls.add("claim " + spareId + " " + spec.interviewId());
      running.remove(spareId);
      running.put(
          spec.interviewId(),
          new Workspace(spec.interviewId(), spare.endpoint(), spare.startedAt()));
      files.put(spec.interviewId(), files.remove(spareId));
      state.limits.remove(spareId);
      state.limits.put(
          spec.interviewId(), spec.limits() == null ? WorkspaceLimits.DEFAULT : spec.limits());
      log.accept("took a warm workspace from the pool (" + spareId + ")");
      return true;
    }
  }

  @Override
  public void destroy(String interviewId, Consumer<String> log) {
    synchronized (state) {
      calls.add("destroy " + interviewId);
      if (failDestroy != null) {
        throw failDestroy;
      }
      stopRunning(interviewId);
      files.remove(interviewId);
      configuredWith.remove(interviewId);
      state.limits.remove(interviewId);
      state.stoppedBecause.remove(interviewId);
    }
  }

  /** A workspace nobody asked for, as if left behind by an earlier run. */
  public void startStray(String id) {
    running.put(id, new Workspace(id, URI.create("http://127.0.0.1:1"), clock.instant()));
  }
}
