package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.HashingLister;
import dev.prequel.runtime.OnlyThese;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The kubernetes runtime's reads of a workspace's files. While its pod runs, everything is an exec
 * in it as the candidate ({@link PodFiles}): a full tar for snapshots; for the seat, {@code find}
 * for the listing, {@code tar} of only the changed files, {@code tail} of the terminal history. A
 * stopped workspace's claim is read by a short-lived files pod, in one full tar (its listing then
 * hashes every file): starting a pod costs more than anything a listing could save.
 */
final class PodReads {

  private final PodFiles files;
  private final Supplier<PodWatch> watch;
  private final Supplier<PodLifecycle> pods;
  private final Function<String, Object> lockFor;

  PodReads(
      PodFiles files,
      Supplier<PodWatch> watch,
      Supplier<PodLifecycle> pods,
      Function<String, Object> lockFor) {
    this.files = files;
    this.watch = watch;
    this.pods = pods;
    this.lockFor = lockFor;
  }

  boolean all(String id, WorkspaceFileVisitor visitor) throws IOException {
    try {
      Optional<String> running = runningPod(id);
      if (running.isPresent()) {
        files.visit(running.get(), visitor);
        return true;
      }
      synchronized (lockFor.apply(id)) {
        Optional<String> claim = pods.get().claimOf(id);
        if (claim.isEmpty()) {
          return false;
        }
        String pod = pods.get().startFilesPod(id, claim.get());
        try {
          files.visit(pod, visitor);
        } finally {
          pods.get().removeFilesPod(id, pod);
        }
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the files of " + id, e);
    }
  }

  boolean list(String id, Set<String> excluded, Consumer<WorkspaceFile> out) throws IOException {
    Optional<String> running = runningPod(id);
    if (running.isEmpty()) {
      return all(id, new HashingLister(excluded, out));
    }
    files.list(running.get(), excluded, out);
    return true;
  }

  boolean some(String id, Set<String> paths, WorkspaceFileVisitor visitor) throws IOException {
    Optional<String> running = runningPod(id);
    if (running.isEmpty()) {
      return all(id, new OnlyThese(paths, visitor));
    }
    files.some(running.get(), paths, visitor);
    return true;
  }

  Optional<byte[]> history(String id) throws IOException {
    Optional<String> running = runningPod(id);
    return running.isEmpty() ? Optional.empty() : files.history(running.get());
  }

  private Optional<String> runningPod(String id) {
    return watch
        .get()
        .workspaceOf(id)
        .filter(PodWatch::running)
        .map((Pod p) -> p.getMetadata().getName());
  }
}
