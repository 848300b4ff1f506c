package dev.prequel.runtime.kubernetes;

import dev.prequel.runtime.ChallengeTarWriter;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceTarReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
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
   * The entry's name relative to {@code /workspace} ({@code ./a/b} as tar writes it), decoded as
   * UTF-8 leniently; null for the folder itself and for names that would leave it.
   */
  static String relative(String latin1) {
    String name =
        new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
            .replaceAll("/+$", "");
    if (name.startsWith("./")) {
      name = name.substring(2);
    }
    if (name.isEmpty() || name.equals(".")) {
      return null;
    }
    for (String part : name.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    return name;
  }
}
