package dev.prequel.runtime.local;

import dev.prequel.runtime.TerminalHistory;
import dev.prequel.runtime.WorkspaceFile;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Workspace files without a sandbox: the candidate runs as Prequel's own user then, so plain Java
 * does the work, through the same tar streams as {@link SandboxTar} (one path for readers and
 * writers, whichever runtime mode).
 */
final class HostFiles implements WorkspaceFiles {

  /** Streams Prequel builds itself: no bound but time. */
  private static final Bounds TRUSTED =
      new Bounds(Integer.MAX_VALUE, Long.MAX_VALUE, Duration.ofMinutes(10));

  @Override
  public int unpack(InterviewFolder folder, Place place, TarSource source)
      throws IOException, InterruptedException {
    Path target =
        switch (place) {
          case WORKSPACE -> folder.workspace();
          case HOME -> folder.home();
        };
    TarToFolder into = new TarToFolder(target);
    piped(source, TRUSTED, into);
    return into.kept();
  }

  @Override
  public Optional<String> pack(
      InterviewFolder folder,
      List<String> paths,
      Set<String> excludedNames,
      Bounds bounds,
      TarSink sink)
      throws IOException, InterruptedException {
    List<String> wanted =
        paths.stream().map(p -> WorkspaceFiles.checkedRelative(p).substring(2)).toList();
    Predicate<String> include =
        name ->
            wanted.isEmpty()
                || wanted.stream()
                    .anyMatch(
                        p ->
                            name.equals(p) || name.startsWith(p + "/") || p.startsWith(name + "/"));
    try {
      piped(new FolderTar(folder.workspace(), "", include, excludedNames), bounds, sink);
      return Optional.empty();
    } catch (TarEntries.LimitReached e) {
      return Optional.of(e.getMessage());
    }
  }

  @Override
  public Optional<String> list(
      InterviewFolder folder, Set<String> excludedNames, Bounds bounds, Consumer<WorkspaceFile> out)
      throws IOException {
    Path root = folder.workspace();
    int[] files = {0};
    String[] cut = {null};
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return !dir.equals(root) && excludedNames.contains(dir.getFileName().toString())
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (!attrs.isRegularFile()) {
              return FileVisitResult.CONTINUE;
            }
            if (++files[0] > bounds.maxEntries()) {
              cut[0] = "the workspace holds more than " + bounds.maxEntries() + " files";
              return FileVisitResult.TERMINATE;
            }
            Object changed;
            try {
              changed =
                  Files.getAttribute(file, "unix:ctime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
              return FileVisitResult.CONTINUE; // gone meanwhile
            }
            out.accept(
                new WorkspaceFile(
                    root.relativize(file).toString().replace('\\', '/'),
                    attrs.size(),
                    attrs.size() + " " + attrs.lastModifiedTime().toInstant() + " " + changed));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // unreadable: left out, as find does
          }
        });
    return Optional.ofNullable(cut[0]);
  }

  /** Without a sandbox code-server's HOME is the interview's folder: bash keeps it there. */
  @Override
  public Optional<byte[]> terminalHistory(InterviewFolder folder) throws IOException {
    Path file = folder.root().resolve(Path.of(TerminalHistory.FILE).getFileName().toString());
    if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    try (java.nio.channels.SeekableByteChannel in = Files.newByteChannel(file)) {
      long from = Math.max(0, in.size() - TerminalHistory.MAX_BYTES);
      in.position(from);
      java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate((int) (in.size() - from));
      while (tail.hasRemaining() && in.read(tail) > 0) {
        // until full, or the file shrank meanwhile
      }
      return Optional.of(java.util.Arrays.copyOf(tail.array(), tail.position()));
    }
  }

  /** The source writes on a thread of its own; the sink reads here. */
  private static void piped(TarSource source, Bounds bounds, TarSink sink)
      throws IOException, InterruptedException {
    PipedInputStream in = new PipedInputStream(64 * 1024);
    PipedOutputStream pipe = new PipedOutputStream(in);
    AtomicReference<IOException> failed = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try (TarArchiveOutputStream out = new TarArchiveOutputStream(pipe)) {
                source.writeTar(out);
              } catch (IOException e) {
                failed.set(e); // also when the reader stopped early and closed the pipe
              }
            },
            "workspace-tar");
    writer.setDaemon(true);
    writer.start();
    try (in) {
      sink.readFrom(new TarEntries(in, bounds));
      in.transferTo(java.io.OutputStream.nullOutputStream()); // the writer's last padding
    } finally {
      in.close();
      writer.join(10_000);
    }
    if (failed.get() != null) {
      throw failed.get();
    }
  }
}
