package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import dev.prequel.runtime.ChallengeTarWriter;
import dev.prequel.runtime.WorkspaceFileVisitor;
import dev.prequel.runtime.WorkspaceTarReader;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Files in and out of a workspace container as tar streams, through the Engine's archive API: the
 * engine reads and writes inside the container's own view, so Prequel never opens a path the
 * candidate can change (on this host or any other).
 */
final class WorkspaceArchive {

  private final DockerClient docker;

  WorkspaceArchive(DockerClient docker) {
    this.docker = docker;
  }

  /**
   * {@link #copyChallenge(String, Path, boolean)}, saying in the interview's log how many files
   * went in and how many were kept.
   */
  void copyChallenge(
      String container, Path challengeFiles, boolean empty, java.util.function.Consumer<String> log)
      throws IOException {
    int[] counts = copyChallenge(container, challengeFiles, empty);
    log.accept(
        "copied "
            + counts[0]
            + " challenge files into the workspace"
            + (counts[1] > 0 ? ", kept " + counts[1] + " existing" : ""));
  }

  /**
   * Copies the challenge's files (all but its metadata) into {@code /workspace}, owned by the
   * candidate; files already there are kept. Returns {sent, kept}.
   *
   * @param empty the folder was made anew and nothing was copied in yet: its listing is not read
   */
  int[] copyChallenge(String container, Path challengeFiles, boolean empty) throws IOException {
    Set<String> existing = new HashSet<>();
    if (!empty) {
      listInto(container, existing);
    }
    Path tar = Files.createTempFile("prequel-challenge-", ".tar");
    try {
      int[] counts = writeTar(challengeFiles, existing, tar);
      try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
        docker
            .copyArchiveToContainerCmd(container)
            .withRemotePath(WorkspaceContainer.WORKSPACE)
            .withNoOverwriteDirNonDir(true)
            .withTarInputStream(in)
            .exec();
      }
      return counts;
    } finally {
      Files.deleteIfExists(tar);
    }
  }

  private void listInto(String container, Set<String> existing) throws IOException {
    visit(
        container,
        new WorkspaceFileVisitor() {
          @Override
          public boolean enterFolder(String path) {
            return true;
          }

          @Override
          public void file(String path, long size, boolean executable, Content content) {
            existing.add(path);
          }
        });
  }

  private static int[] writeTar(Path root, Set<String> existing, Path tar) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.filter(p -> !p.equals(root)).sorted().toList();
    }
    try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tar))) {
      ChallengeTarWriter.Counts counts =
          ChallengeTarWriter.write(root, paths, existing, WorkspaceContainer.UID, raw);
      return new int[] {counts.sent(), counts.kept()};
    }
  }

  /**
   * Hands the regular files under {@code /workspace} to the visitor, from the engine's tar stream;
   * links, FIFOs and devices never reach it. Works on a stopped container too.
   */
  void visit(String container, WorkspaceFileVisitor visitor) throws IOException {
    try (InputStream raw = docker.copyArchiveFromContainerCmd(container, "/workspace/.").exec()) {
      WorkspaceTarReader.visit(raw, visitor, WorkspaceArchive::relative);
    }
  }

  /**
   * The entry's name relative to {@code /workspace} ({@code ./a/b} or {@code workspace/a/b} as the
   * engine writes it), decoded as UTF-8 leniently; null for the folder itself and for names that
   * would leave it.
   */
  static String relative(String latin1) {
    String name =
        new String(latin1.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)
            .replaceAll("/+$", "");
    int slash = name.indexOf('/');
    if (slash < 0) {
      return null; // "." or "workspace": the folder itself
    }
    String rest = name.substring(slash + 1);
    for (String part : rest.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return null;
      }
    }
    return rest;
  }
}
