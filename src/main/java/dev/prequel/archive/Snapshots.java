package dev.prequel.archive;

import dev.prequel.interview.WorkspaceSnapshots;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Takes snapshots of workspaces into the archive store: a first pass over the workspace's files
 * decides what goes in (leaving out excluded folders, then the largest files past the size cap), a
 * second pass hands those files to the store.
 */
public final class Snapshots implements WorkspaceSnapshots {

  private final ArchiveStore store;
  private final WorkspaceRuntime runtime;
  private final SnapshotPolicy policy;
  private final Clock clock;

  public Snapshots(
      ArchiveStore store, WorkspaceRuntime runtime, SnapshotPolicy policy, Clock clock) {
    this.store = store;
    this.runtime = runtime;
    this.policy = policy;
    this.clock = clock;
  }

  /**
   * Snapshots the interview's workspace now. Returns the new snapshot, or the latest one when
   * nothing changed; empty when the workspace has no files.
   *
   * @throws ArchiveUnavailableException when the store cannot take it
   * @throws IOException when the workspace's files cannot be read
   */
  public Optional<Snapshot> take(String interviewId, String reason) throws IOException {
    Instant at = clock.instant();
    List<Candidate> found = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> cut = new ArrayList<>();
    boolean exists =
        runtime.readFiles(
            interviewId,
            new WorkspaceFileVisitor() {
              @Override
              public boolean enterFolder(String path) {
                if (policy.excludes(path)) {
                  skipped.add(path);
                  return false;
                }
                return true;
              }

              @Override
              public Set<String> excludedFolderNames() {
                return policy.excludedFolders();
              }

              @Override
              public void truncated(String why) {
                cut.add("(the snapshot stops early: " + why + ")");
              }

              @Override
              public void file(String path, long size, boolean executable, Content content) {
                found.add(new Candidate(path, size));
              }
            });
    if (!exists) {
      return Optional.empty();
    }
    List<String> leftOut = new ArrayList<>();
    Set<String> kept = withinCap(found, leftOut);
    leftOut.addAll(0, cut);
    ArchiveStore.Request request = new ArchiveStore.Request(at, reason, leftOut, skipped);
    return Optional.of(
        store.record(
            interviewId,
            request,
            sink ->
                runtime.readFiles(
                    interviewId,
                    new WorkspaceFileVisitor() {
                      @Override
                      public boolean enterFolder(String path) {
                        return !policy.excludes(path);
                      }

                      @Override
                      public Set<String> excludedFolderNames() {
                        return policy.excludedFolders();
                      }

                      @Override
                      public void file(String path, long size, boolean executable, Content content)
                          throws IOException {
                        if (kept.contains(path)) {
                          try (InputStream in = content.open()) {
                            sink.add(path, executable, bounded(in));
                          }
                        }
                      }
                    })));
  }

  @Override
  public void archive(String interviewId, String reason) throws IOException {
    take(interviewId, reason);
  }

  /** Leaves out the largest files until the rest fit under the cap; names each one left out. */
  private Set<String> withinCap(List<Candidate> files, List<String> leftOut) {
    long total = files.stream().mapToLong(Candidate::size).sum();
    List<Candidate> bySize = new ArrayList<>(files);
    bySize.sort(Comparator.comparingLong(Candidate::size).reversed());
    Set<String> kept = new HashSet<>();
    for (Candidate c : bySize) {
      if (total > policy.maxBytes()) {
        total -= c.size();
        leftOut.add(
            c.path()
                + " ("
                + c.size()
                + " bytes): over the snapshot size cap of "
                + policy.maxBytes()
                + " bytes");
      } else {
        kept.add(c.path());
      }
    }
    leftOut.sort(null);
    return kept;
  }

  /** A file that grew past the cap since the first pass is cut at the cap, not read whole. */
  private InputStream bounded(InputStream in) throws IOException {
    return new java.io.ByteArrayInputStream(
        in.readNBytes((int) Math.min(policy.maxBytes(), Integer.MAX_VALUE - 8)));
  }

  private record Candidate(String path, long size) {}
}
