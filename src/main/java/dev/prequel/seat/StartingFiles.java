package dev.prequel.seat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The challenge's files as the candidate got them: what the seat's diff starts from. They are read
 * from Prequel's own challenge folder (never from a workspace), without the manifest, with the same
 * folders left out as in the workspace's listing.
 */
final class StartingFiles {

  private static final String MANIFEST = "challenge.yaml";

  private StartingFiles() {}

  static Map<String, Held> read(Path challenge, Set<String> excluded, int maxFileBytes)
      throws IOException {
    Map<String, Held> files = new TreeMap<>();
    if (challenge == null || !Files.isDirectory(challenge, LinkOption.NOFOLLOW_LINKS)) {
      return files;
    }
    Files.walkFileTree(
        challenge,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            return !dir.equals(challenge) && excluded.contains(dir.getFileName().toString())
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String path = challenge.relativize(file).toString().replace('\\', '/');
            if (!attrs.isRegularFile() || path.equals(MANIFEST)) {
              return FileVisitResult.CONTINUE;
            }
            if (attrs.size() > maxFileBytes) {
              files.put(path, Held.withheld(attrs.size(), "larger than the seat shows"));
            } else {
              try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                files.put(path, Held.of(in.readNBytes(maxFileBytes)));
              }
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return files;
  }
}
