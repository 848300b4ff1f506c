package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChallengeArchiveTest {

  @TempDir Path dir;
  final ChallengeArchive archive = new ChallengeArchive(new ChallengeArchive.Limits(100, 150, 10));

  Path zip(String name, int unixMode, byte[] content) throws IOException {
    Path zip = dir.resolve("upload.zip");
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip)) {
      ZipArchiveEntry e = new ZipArchiveEntry(name);
      e.setUnixMode(unixMode);
      out.putArchiveEntry(e);
      out.write(content);
      out.closeArchiveEntry();
    }
    return zip;
  }

  void refused(Path zip, String message) throws IOException {
    Path into = Files.createTempDirectory(dir, "into-");
    assertThatThrownBy(() -> archive.unzip(zip, into))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining(message);
  }

  @Test
  void symbolicLinksAreRefused() throws Exception {
    refused(zip("link", 0120777, "/etc/passwd".getBytes(StandardCharsets.UTF_8)), "symbolic link");
  }

  @Test
  void deviceFilesAreRefused() throws Exception {
    refused(zip("dev", 0020644, new byte[0]), "device or special file");
  }

  @Test
  void pathsLeavingTheFolderAreRefused() throws Exception {
    refused(zip("../../x", 0100644, new byte[1]), "outside the challenge folder");
    refused(zip("/etc/x", 0100644, new byte[1]), "outside the challenge folder");
  }

  @Test
  void aFileOverTheLimitIsRefused() throws Exception {
    refused(zip("big.txt", 0100644, new byte[101]), "larger than");
  }
}
