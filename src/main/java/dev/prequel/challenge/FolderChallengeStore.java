package dev.prequel.challenge;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Challenges in a local folder, one sub-folder each, named by the challenge's id. Read on every
 * call, so edits made by hand show without a restart.
 */
public final class FolderChallengeStore implements ChallengeStore {

  private final Path root;

  public FolderChallengeStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public String describe() {
    return "folder " + root;
  }

  @Override
  public List<String> ids() throws IOException {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory)
          .map(d -> d.getFileName().toString())
          .filter(id -> ManifestReader.ID.matcher(id).matches())
          .sorted()
          .toList();
    }
  }

  @Override
  public List<StoredFile> files(String id) throws IOException {
    Path dir = dir(id);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<StoredFile> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        files.add(new StoredFile(relative(dir, p), Files.size(p)));
      }
    }
    files.sort(Comparator.comparing(StoredFile::path));
    return files;
  }

  @Override
  public Optional<byte[]> read(String id, String path) throws IOException {
    Path file = file(id, path);
    try {
      return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(Files.readAllBytes(file))
          : Optional.empty();
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  @Override
  public void put(String id, Path folder) throws IOException {
    Files.createDirectories(root);
    Path target = dir(id);
    // Copy beside the target first, then swap: a reader never sees half a challenge.
    Path incoming = Files.createTempDirectory(root, "." + id + ".incoming-");
    Path old = root.resolve("." + id + ".old-" + System.nanoTime());
    try {
      copyTree(folder, incoming);
      if (Files.exists(target)) {
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      }
      Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      deleteTree(incoming);
      deleteTree(old);
    }
  }

  @Override
  public void write(String id, String path, byte[] content) throws IOException {
    Path file = file(id, path);
    if (!Files.isDirectory(dir(id))) {
      throw new NoSuchFileException(dir(id).toString(), null, "no such challenge");
    }
    Files.createDirectories(file.getParent());
    Path tmp = Files.createTempFile(file.getParent(), ".write-", ".tmp");
    Files.write(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public Path materialize(String id) throws IOException {
    Path dir = dir(id);
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "no such challenge in " + describe());
    }
    return dir;
  }

  private Path dir(String id) {
    if (id == null || !ManifestReader.ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a challenge id: " + id);
    }
    return root.resolve(id);
  }

  private Path file(String id, String path) {
    Path dir = dir(id);
    Path file = dir.resolve(path).normalize();
    if (!file.startsWith(dir) || file.equals(dir)) {
      throw new IllegalArgumentException("path leaves the challenge: " + path);
    }
    return file;
  }

  static String relative(Path dir, Path file) {
    return dir.relativize(file).toString().replace('\\', '/');
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : walk.toList()) {
        Path dest = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(dest);
        } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
          try {
            Files.copy(source, dest);
          } catch (FileAlreadyExistsException e) {
            Files.copy(source, dest, StandardCopyOption.REPLACE_EXISTING);
          }
        } // links and special files are never part of a challenge
      }
    }
  }

  static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
