package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.prequel.runtime.FindListing;
import dev.prequel.runtime.HashingLister;
import dev.prequel.runtime.NamedFiles;
import dev.prequel.runtime.OnlyThese;
import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The docker runtime's reads of a workspace's files: the snapshot's full tar through the Engine's
 * archive API ({@link WorkspaceArchive}), and the seat's cheap look while the container runs, by
 * exec as the candidate (uid 1000) in the container ({@link ExecStdout}): {@link FindListing}'s
 * {@code find} for names, sizes and times, {@link NamedFiles}' {@code tar} for only the files that
 * changed, {@code tail} for the terminal history. A stopped container runs nothing, so its listing
 * falls back to the archive (hashing each file).
 */
final class ContainerFiles {

  private final ExecStdout exec;
  private final WorkspaceArchive archive;
  private final Function<String, Optional<InspectContainerResponse>> inspect;
  private final Reattach reattach;

  /** Mounts a container's disk again after a reboot, before its files are read. */
  @FunctionalInterface
  interface Reattach {
    void to(InspectContainerResponse container) throws IOException;
  }

  /**
   * @param inspect the container of an interview id, if any
   */
  ContainerFiles(
      DockerClient docker,
      WorkspaceArchive archive,
      Function<String, Optional<InspectContainerResponse>> inspect,
      Reattach reattach) {
    this.exec = new ExecStdout(docker);
    this.archive = archive;
    this.inspect = inspect;
    this.reattach = reattach;
  }

  /** Every file, from the archive API (running or stopped); false when there is no container. */
  boolean all(String id, WorkspaceFileVisitor visitor) throws IOException {
    Optional<InspectContainerResponse> container = inspect.apply(id);
    if (container.isEmpty()) {
      return false;
    }
    reattach.to(container.get());
    try {
      archive.visit(WorkspaceContainer.name(id), visitor);
      return true;
    } catch (NotFoundException e) {
      return false; // removed meanwhile
    }
  }

  /** The listing: by {@code find} while it runs, else from the archive; false: no container. */
  boolean list(String id, Set<String> excluded, Consumer<WorkspaceFile> out) throws IOException {
    if (!running(id)) {
      return all(id, new HashingLister(excluded, out));
    }
    List<String> find = FindListing.command("find", WorkspaceContainer.WORKSPACE, excluded);
    AtomicReference<Optional<String>> cut = new AtomicReference<>(Optional.empty());
    int exit = run(id, find, stdout -> cut.set(FindListing.read(stdout, out)));
    if (cut.get().isPresent()) {
      throw new IOException("the listing stopped early: " + cut.get().get());
    }
    // 1: some folders could not be read (a candidate's chmod 000); what could be read came
    if (exit != 0 && exit != 1) {
      throw new IOException("find could not list the workspace (exit " + exit + ")");
    }
    return true;
  }

  /** Only the named files: by {@code tar} while it runs, else from the archive. */
  boolean some(String id, Set<String> paths, WorkspaceFileVisitor visitor) throws IOException {
    if (!running(id)) {
      return all(id, new OnlyThese(paths, visitor));
    }
    // the names go on command lines, in batches: the engine's stdin (a hijacked stream) is avoided
    for (List<String> batch : NamedFiles.batches(paths)) {
      List<String> tar = NamedFiles.tar(WorkspaceContainer.WORKSPACE);
      tar.add("--");
      tar.addAll(batch);
      int exit = run(id, tar, stdout -> NamedFiles.read(stdout, paths, visitor));
      // 1: "file changed as we read it"; more: tar failed; -1: the reader stopped at a bound.
      // Either way what came may be only part, and must not pass for whole
      if (exit != 0 && exit != 1) {
        throw new IOException("tar could not read the named files (exit " + exit + ")");
      }
    }
    return true;
  }

  /** The end of the terminal history while the container runs; empty otherwise. */
  Optional<byte[]> history(String id) throws IOException {
    if (!running(id)) {
      return Optional.empty();
    }
    byte[][] tail = {null};
    int exit =
        run(
            id,
            TerminalHistory.tailCommand(),
            stdout -> {
              tail[0] = stdout.readNBytes(TerminalHistory.MAX_BYTES);
              stdout.transferTo(OutputStream.nullOutputStream()); // to its end: tail ends there
            });
    return exit == 0 ? Optional.ofNullable(tail[0]) : Optional.empty();
  }

  private boolean running(String id) {
    return inspect.apply(id).filter(WorkspaceContainer::running).isPresent();
  }

  /** Runs {@code argv} as the candidate in the container of {@code id} (see {@link ExecStdout}). */
  private int run(String id, List<String> argv, ExecStdout.Reader reader) throws IOException {
    return exec.run(WorkspaceContainer.name(id), argv, FindListing.MAX_TIME, reader);
  }
}
