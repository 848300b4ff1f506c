package dev.prequel.seat;

import dev.prequel.archive.FileChange;
import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One interview's seat: the last listing of its workspace and the bytes of its files, kept between
 * looks so that each look reads only the files whose version changed. Looks run one at a time (the
 * caller holds this object's lock); views read the last finished look, never a half-done one.
 */
final class SeatState {

  /** Larger files are listed, not shown (the review's preview has the same bound). */
  static final int MAX_FILE_BYTES = 256 * 1024;

  /** The most terminal commands shown (the latest ones). */
  static final int MAX_COMMANDS = 200;

  /** What one seat keeps in memory at most; files past it are listed, not shown. */
  static final long MAX_HELD_BYTES = 16L * 1024 * 1024;

  /** One finished look. */
  private record Look(
      boolean running,
      long version,
      Instant at,
      Map<String, WorkspaceFile> listing,
      Map<String, Held> held,
      List<TerminalHistory.Command> commands,
      String notice) {}

  private final String interviewId;
  private final Map<String, Held> start;
  private volatile Look last = new Look(false, 0, null, Map.of(), Map.of(), List.of(), null);

  SeatState(String interviewId, Map<String, Held> start) {
    this.interviewId = interviewId;
    this.start = Map.copyOf(start);
  }

  /** When the last look finished; null before the first. */
  Instant lookedAt() {
    return last.at();
  }

  long version() {
    return last.version();
  }

  /**
   * Lists the workspace and reads the files that are new or whose version changed. Returns whether
   * anything the seat shows changed. A failed look keeps what the last one saw and says why.
   */
  boolean look(WorkspaceRuntime runtime, Set<String> excluded, Instant now) {
    Look before = last;
    Map<String, WorkspaceFile> listing = new TreeMap<>();
    Map<String, Held> held = new HashMap<>();
    String notice = null;
    boolean running;
    List<TerminalHistory.Command> commands;
    try {
      running = runtime.listFiles(interviewId, excluded, f -> listing.put(f.path(), f));
      Set<String> toRead = new LinkedHashSet<>();
      long budget = MAX_HELD_BYTES;
      for (WorkspaceFile f : listing.values()) {
        Held kept = before.held().get(f.path());
        WorkspaceFile was = before.listing().get(f.path());
        if (kept != null && was != null && was.version().equals(f.version())) {
          held.put(f.path(), kept);
          budget -= kept.heldBytes();
        }
      }
      for (WorkspaceFile f : listing.values()) {
        if (held.containsKey(f.path())) {
          continue;
        }
        if (f.size() > MAX_FILE_BYTES) {
          held.put(f.path(), Held.withheld(f.size(), "larger than 256 KB: not shown"));
        } else if (f.size() > budget) {
          held.put(f.path(), Held.withheld(f.size(), "not shown: the seat keeps 16 MB at most"));
        } else {
          toRead.add(f.path());
          budget -= f.size();
        }
      }
      if (!toRead.isEmpty()) {
        runtime.readFiles(interviewId, toRead, new Into(held));
      }
      // listed but gone before its read: listed again, and read, at the next look
      toRead.stream().filter(p -> !held.containsKey(p)).forEach(listing::remove);
      commands = commands(runtime);
    } catch (IOException | RuntimeException e) {
      notice = "could not look at the workspace: " + e.getMessage();
      last =
          new Look(
              before.running(),
              before.version() + (notice.equals(before.notice()) ? 0 : 1),
              now,
              before.listing(),
              before.held(),
              before.commands(),
              notice);
      return !notice.equals(before.notice());
    }
    boolean changed =
        running != before.running()
            || !listing.keySet().equals(before.listing().keySet())
            || !held.equals(before.held())
            || !commands.equals(before.commands())
            || before.notice() != null;
    last =
        new Look(
            running, before.version() + (changed ? 1 : 0), now, listing, held, commands, notice);
    return changed;
  }

  /** The latest commands of the terminal history, read as the workspace's user by the runtime. */
  private List<TerminalHistory.Command> commands(WorkspaceRuntime runtime) throws IOException {
    List<TerminalHistory.Command> all =
        runtime.terminalHistory(interviewId).map(TerminalHistory::parse).orElse(List.of());
    return List.copyOf(all.subList(Math.max(0, all.size() - MAX_COMMANDS), all.size()));
  }

  /** What the seat shows now, with {@code opened} (a path, or null) opened. */
  SeatView view(String opened) {
    Look look = last;
    Set<String> paths = new TreeSet<>(look.held().keySet());
    if (look.running()) {
      paths.addAll(start.keySet());
    }
    List<SeatView.Entry> files = new ArrayList<>();
    List<FileChange> changes = new ArrayList<>();
    for (String path : paths) {
      Held now = look.held().get(path);
      Held then = start.get(path);
      SeatView.State state =
          now == null
              ? SeatView.State.DELETED
              : then == null
                  ? SeatView.State.ADDED
                  : now.sameAs(then) ? SeatView.State.UNCHANGED : SeatView.State.MODIFIED;
      files.add(new SeatView.Entry(path, now == null ? then.size() : now.size(), state));
      if (state != SeatView.State.UNCHANGED) {
        changes.add(change(path, state, then, now));
      }
    }
    return new SeatView(
        interviewId,
        look.running(),
        look.version(),
        look.at(),
        files,
        opened == null ? null : open(opened, look.held().get(opened)),
        changes,
        look.commands(),
        look.notice());
  }

  private static FileChange change(String path, SeatView.State state, Held then, Held now) {
    String patch;
    if ((then != null && then.withheld()) || (now != null && now.withheld())) {
      patch = "(" + (now != null && now.why() != null ? now.why() : then.why()) + ")\n";
    } else {
      patch =
          TextDiff.patch(
              path, then == null ? null : then.bytes(), now == null ? null : now.bytes());
    }
    return switch (state) {
      case ADDED -> new FileChange("add", null, path, patch);
      case DELETED -> new FileChange("delete", path, null, patch);
      default -> new FileChange("modify", path, path, patch);
    };
  }

  private static SeatView.Opened open(String path, Held held) {
    if (held == null) {
      return new SeatView.Opened(path, null, "not in the workspace");
    }
    if (held.withheld()) {
      return new SeatView.Opened(path, null, held.why());
    }
    if (org.eclipse.jgit.diff.RawText.isBinary(held.bytes())) {
      return new SeatView.Opened(path, null, "a binary file (" + held.size() + " bytes)");
    }
    return new SeatView.Opened(path, new String(held.bytes(), StandardCharsets.UTF_8), null);
  }

  /** Keeps each file's bytes, up to the per-file bound (it may have grown since the listing). */
  private static final class Into implements WorkspaceFileVisitor {
    private final Map<String, Held> held;

    Into(Map<String, Held> held) {
      this.held = held;
    }

    @Override
    public boolean enterFolder(String path) {
      return true;
    }

    @Override
    public void file(String path, long size, boolean executable, Content content)
        throws IOException {
      if (size > MAX_FILE_BYTES) {
        held.put(path, Held.withheld(size, "larger than 256 KB: not shown"));
        return;
      }
      try (InputStream in = content.open()) {
        held.put(path, Held.of(in.readNBytes(MAX_FILE_BYTES)));
      }
    }
  }
}
