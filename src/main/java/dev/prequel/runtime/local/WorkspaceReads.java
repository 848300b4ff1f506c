package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The runtime's reads of a workspace's files (snapshots, and the interviewer's seat): a claimed
 * spare's id has none, and a disk kept over a reboot is mounted again first.
 */
final class WorkspaceReads {

  private final WorkspaceFolders folders;
  private final DiskQuota disks;
  private final CandidateFiles files;

  WorkspaceReads(WorkspaceFolders folders, DiskQuota disks, CandidateFiles files) {
    this.folders = folders;
    this.disks = disks;
    this.files = files;
  }

  boolean all(String interviewId, WorkspaceFileVisitor visitor) throws IOException {
    return read(interviewId, folder -> files.read(folder, visitor));
  }

  boolean list(String interviewId, Set<String> excluded, Consumer<WorkspaceFile> out)
      throws IOException {
    return read(interviewId, folder -> files.list(folder, excluded, out));
  }

  boolean some(String interviewId, Set<String> paths, WorkspaceFileVisitor visitor)
      throws IOException {
    return read(interviewId, folder -> files.read(folder, paths, visitor));
  }

  /** The end of the candidate's terminal history; empty when there is none. */
  java.util.Optional<byte[]> history(String interviewId) throws IOException {
    java.util.List<byte[]> tail = new java.util.ArrayList<>();
    read(
        interviewId,
        folder -> {
          if (java.nio.file.Files.isDirectory(
              folder.workspace(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            files.files().terminalHistory(folder).ifPresent(tail::add);
          }
          return true;
        });
    return tail.stream().findFirst();
  }

  private boolean read(String interviewId, Read read) throws IOException {
    if (folders.claimedSpare(interviewId)) {
      return false;
    }
    InterviewFolder folder = folders.of(interviewId);
    disks.reattach(folder); // after a reboot: the kept files are on its disk
    try {
      return read.on(folder);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading " + interviewId);
    }
  }

  private interface Read {
    boolean on(InterviewFolder folder) throws IOException, InterruptedException;
  }
}
