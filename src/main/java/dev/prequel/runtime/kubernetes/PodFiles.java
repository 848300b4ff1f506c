package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.ChallengeTarWriter;
import dev.prequel.runtime.FindListing;
import dev.prequel.runtime.NamedFiles;
import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFile;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceTarReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Files in and out of a workspace pod as tar streams, through {@link PodExec}: GNU tar runs inside
 * the pod as the candidate, so Prequel never opens a path the candidate can change, and no disk is
 * shared between Prequel and a workspace.
 */
final class PodFiles {

  private static final Duration MAX_TIME = WorkspaceTarReader.MAX_TIME;

  private final PodExec exec;

  PodFiles(PodExec exec) {
    this.exec = exec;
  }

  /**
   * Unpacks the challenge's files (all but its metadata) into {@code /workspace}; files already
   * there are kept ({@code --skip-old-files}). Returns how many files were sent.
   */
  int copyChallenge(String pod, Path challengeFiles) throws IOException, InterruptedException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(challengeFiles)) {
      paths = walk.filter(p -> !p.equals(challengeFiles)).sorted().toList();
    }
    PipedInputStream stdin = new PipedInputStream(64 * 1024);
    PipedOutputStream pipe = new PipedOutputStream(stdin);
    AtomicReference<IOException> failed = new AtomicReference<>();
    int[] sent = {0};
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream out = pipe) {
                sent[0] = writeTar(challengeFiles, paths, out);
              } catch (IOException e) {
                failed.set(e);
              }
            },
            "tar-to-" + pod);
    writer.setDaemon(true);
    writer.start();
    PodExec.Result r =
        exec.run(
            pod,
            List.of(
                "tar",
                "-x",
                "-f",
                "-",
                "-C",
                WorkspacePods.WORKSPACE,
                "--skip-old-files",
                "--no-same-owner",
                "--no-same-permissions"),
            stdin,
            out -> out.transferTo(OutputStream.nullOutputStream()),
            MAX_TIME);
    writer.join(MAX_TIME.toMillis());
    if (failed.get() != null) {
      throw failed.get();
    }
    if (r.exitCode() != 0) {
      throw new IOException(
          "copying the challenge into the workspace failed (tar exit "
              + r.exitCode()
              + "): "
              + r.stderr().strip());
    }
    return sent[0];
  }

  private static int writeTar(Path root, List<Path> paths, OutputStream raw) throws IOException {
    return ChallengeTarWriter.write(root, paths, Set.of(), (int) WorkspacePods.UID, raw).sent();
  }

  /**
   * Hands the regular files under {@code /workspace} of {@code pod} to the visitor, from tar's
   * stream; links, FIFOs and devices never reach it.
   */
  void visit(String pod, WorkspaceFileVisitor visitor) throws IOException, InterruptedException {
    List<String> argv = new ArrayList<>(List.of("tar", "-c", "-f", "-", "-C", "/workspace"));
    for (String excluded : visitor.excludedFolderNames()) {
      argv.add("--exclude=" + excluded); // any folder of that name, at any depth
    }
    argv.add(".");
    PodExec.Result r = exec.run(pod, argv, null, out -> read(out, visitor), MAX_TIME);
    // 1: "file changed as we read it", as a running workspace's files do
    if (r.exitCode() != 0 && r.exitCode() != 1) {
      throw new IOException(
          "reading the workspace's files failed (tar exit "
              + r.exitCode()
              + "): "
              + r.stderr().strip());
    }
  }

  private static void read(InputStream raw, WorkspaceFileVisitor visitor) throws IOException {
    WorkspaceTarReader.visit(raw, visitor, PodFiles::relative);
  }

  /**
   * The seat's listing: {@link FindListing}'s {@code find} in the pod, as the candidate, read as it
   * comes. Throws when a bound cut it (a partial listing would show files as deleted).
   */
  void list(String pod, Set<String> excluded, Consumer<WorkspaceFile> out) throws IOException {
    List<String> argv = deadline(FindListing.MAX_TIME.toSeconds());
    argv.addAll(FindListing.command("find", WorkspacePods.WORKSPACE, excluded));
    AtomicReference<Optional<String>> cut = new AtomicReference<>(Optional.empty());
    PodExec.Result r = run(pod, argv, null, stdout -> cut.set(FindListing.read(stdout, out)));
    if (cut.get().isPresent()) {
      throw new IOException("the listing stopped early: " + cut.get().get());
    }
    // 1: some folders could not be read (a candidate's chmod 000); what could be read came
    if (r.exitCode() != 0 && r.exitCode() != 1) {
      throw new IOException(
          "find could not list the workspace (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
  }

  /**
   * Only the named files, by {@link NamedFiles}' {@code tar} in the pod as the candidate; the names
   * go in on stdin (NUL-separated), never on a command line that a long list would overflow.
   */
  void some(String pod, Set<String> paths, WorkspaceFileVisitor visitor) throws IOException {
    if (paths.isEmpty()) {
      return;
    }
    List<String> argv = deadline(FindListing.MAX_TIME.toSeconds());
    argv.addAll(NamedFiles.tar(WorkspacePods.WORKSPACE));
    argv.addAll(List.of("--null", "-T", "-"));
    PodExec.Result r =
        run(
            pod,
            argv,
            new ByteArrayInputStream(NamedFiles.nulSeparated(paths)),
            stdout -> NamedFiles.read(stdout, paths, visitor));
    // 1: "file changed as we read it"; more: tar failed, and what came may be only part
    if (r.exitCode() > 1) {
      throw new IOException(
          "tar could not read the named files (exit " + r.exitCode() + "): " + r.stderr().strip());
    }
  }

  /** The end of the candidate's terminal history, read in the pod as the candidate. */
  Optional<byte[]> history(String pod) throws IOException {
    AtomicReference<byte[]> tail = new AtomicReference<>();
    PodExec.Result r =
        run(
            pod,
            TerminalHistory.tailCommand(),
            null,
            stdout -> {
              tail.set(stdout.readNBytes(TerminalHistory.MAX_BYTES));
              stdout.transferTo(OutputStream.nullOutputStream()); // tail ends there anyway
            });
    return r.exitCode() == 0 ? Optional.ofNullable(tail.get()) : Optional.empty();
  }

  /** {@code timeout}: exec has no way to kill what it started, so the command ends itself. */
  private static List<String> deadline(long seconds) {
    return new ArrayList<>(List.of("timeout", "-k", "2", seconds + "s"));
  }

  private PodExec.Result run(String pod, List<String> argv, InputStream stdin, PodExec.Output out)
      throws IOException {
    try {
      return exec.run(pod, argv, stdin, out, FindListing.MAX_TIME.plusSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while reading the files of pod " + pod, e);
    }
  }

  /** The entry's name relative to {@code /workspace}, as {@link NamedFiles#relative}. */
  static String relative(String latin1) {
    return NamedFiles.relative(latin1);
  }
}
