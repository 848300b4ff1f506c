package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;
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

  @Test
  void aZipDeclaringAHugeNumberOfEntriesIsRefusedBeforeItsTableIsRead() throws Exception {
    // given a zip whose end record declares 65535 entries, with no table of contents behind it
    Path zip = zip("a.txt", 0100644, new byte[1]);
    byte[] bytes = Files.readAllBytes(zip);
    int end = bytes.length - 22;
    bytes[end + 8] = bytes[end + 10] = (byte) 0xff; // entries on this disk, and in all
    bytes[end + 9] = bytes[end + 11] = (byte) 0xff;
    Files.write(zip, bytes);

    // then it is refused for what it declares (a reader that trusted it would fail elsewhere)
    refused(zip, "65535 entries");
  }

  @Test
  void aZipHoldingMoreEntriesThanItDeclaresIsRefusedWhileCounting() throws Exception {
    // given a zip really holding more entries than allowed (10 files: 56 entries), declaring 1
    Path zip = dir.resolve("many.zip");
    try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(zip)) {
      for (int n = 0; n < 100; n++) {
        out.putArchiveEntry(new ZipArchiveEntry("d" + n + "/"));
        out.closeArchiveEntry();
      }
    }
    byte[] bytes = Files.readAllBytes(zip);
    int end = bytes.length - 22;
    bytes[end + 8] = bytes[end + 10] = 1;
    bytes[end + 9] = bytes[end + 11] = 0;
    Files.write(zip, bytes);

    refused(zip, "more than 56 entries");
  }

  @Test
  void aTableOfContentsOverItsSizeLimitIsRefused() throws Exception {
    ChallengeArchive small =
        new ChallengeArchive(new ChallengeArchive.Limits(100, 150, 10, 100, 1000));
    Path zip = zip("x".repeat(2000) + ".txt", 0100644, new byte[1]);
    Path into = Files.createTempDirectory(dir, "into-");
    assertThatThrownBy(() -> small.unzip(zip, into))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("table of contents is larger");
  }

  @Test
  void anOrdinaryZipStillUnpacks() throws Exception {
    Path zip = zip("top/README.md", 0100644, "hello".getBytes(StandardCharsets.UTF_8));
    Path into = Files.createTempDirectory(dir, "into-");
    archive.unzip(zip, into);
    assertThat(Files.readString(into.resolve("README.md"))).isEqualTo("hello");
  }
}
