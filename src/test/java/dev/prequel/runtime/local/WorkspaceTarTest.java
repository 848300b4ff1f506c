package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tar streams files cross a workspace's edge in, read and written with hostile content. */
class WorkspaceTarTest {

  @TempDir Path dir;

  @Test
  void aStreamWritesNothingOutsideItsFolderNorThroughALinkItMade() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Path cache = dir.resolve("cache");
    byte[] tar =
        tar(
            out -> {
              file(out, "../escape.txt", "x");
              file(out, "/absolute.txt", "x");
              link(out, "link", outside.toString());
              file(out, "link/through.txt", "x");
              file(out, "ok/inner/file.txt", "kept");
              TarArchiveEntry fifo = new TarArchiveEntry("pipe", TarConstants.LF_FIFO);
              out.putArchiveEntry(fifo);
              out.closeArchiveEntry();
            });

    new TarToFolder(cache).readFrom(entries(tar, 100));

    assertThat(cache.resolve("ok/inner/file.txt")).hasContent("kept");
    assertThat(Files.isSymbolicLink(cache.resolve("link"))).isTrue();
    assertThat(outside).isEmptyDirectory();
    assertThat(dir.resolve("escape.txt")).doesNotExist();
    assertThat(cache.resolve("pipe")).doesNotExist();
  }

  @Test
  void namesThatAreNoUtf8ArriveWithReplacementCharactersAndNewlinesIntact() {
    byte[] bad = {'b', 'a', 'd', (byte) 0xff, '.', 't', 'x', 't'};
    String latin1 = new String(bad, StandardCharsets.ISO_8859_1);

    assertThat(TarEntries.name("./" + latin1)).isEqualTo("bad\uFFFD.txt");
    assertThat(TarEntries.name("./new\nline/")).isEqualTo("new\nline");
    assertThat(TarEntries.name("./a/../../b")).isNull();
    assertThat(TarEntries.name("./")).isNull();
  }

  @Test
  void readingPastTheEntryBoundStopsAndSaysWhy() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("iv/workspace"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(workspace.resolve("f" + i), "x");
    }
    List<String> read = new ArrayList<>();

    Optional<String> cut =
        new HostFiles()
            .pack(
                new InterviewFolder(dir.resolve("iv")),
                List.of(),
                Set.of(),
                new WorkspaceFiles.Bounds(5, 1 << 20, Duration.ofSeconds(10)),
                entries -> {
                  for (TarEntries.Entry e; (e = entries.next()) != null; ) {
                    read.add(e.name());
                  }
                });

    assertThat(cut).hasValueSatisfying(why -> assertThat(why).contains("more than 5 files"));
    assertThat(read).hasSize(5);
  }

  @Test
  void anExcludedFolderComesEmptyWhereverItIs() throws Exception {
    Path workspace = Files.createDirectories(dir.resolve("iv/workspace/app/node_modules/lib"));
    Files.writeString(workspace.resolve("index.js"), "x");
    Files.writeString(dir.resolve("iv/workspace/app/main.js"), "x");
    List<String> read = new ArrayList<>();

    new HostFiles()
        .pack(
            new InterviewFolder(dir.resolve("iv")),
            List.of(),
            Set.of("node_modules"),
            WorkspaceFiles.Bounds.SNAPSHOT,
            entries -> {
              for (TarEntries.Entry e; (e = entries.next()) != null; ) {
                read.add(e.name());
              }
            });

    assertThat(read).containsExactlyInAnyOrder("app", "app/main.js", "app/node_modules");
  }

  @Test
  void wildcardsInAnExcludedNameAreTakenLiterally() {
    assertThat(SandboxTar.escapeWildcards("we*rd[1]?")).isEqualTo("we\\*rd\\[1\\]\\?");
  }

  // ---- helpers

  interface Writes {
    void to(TarArchiveOutputStream out) throws IOException;
  }

  private static byte[] tar(Writes writes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
      writes.to(out);
    }
    return bytes.toByteArray();
  }

  private static void file(TarArchiveOutputStream out, String name, String content)
      throws IOException {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(data.length);
    out.putArchiveEntry(e);
    out.write(data);
    out.closeArchiveEntry();
  }

  private static void link(TarArchiveOutputStream out, String name, String target)
      throws IOException {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
    e.setLinkName(target);
    out.putArchiveEntry(e);
    out.closeArchiveEntry();
  }

  private static TarEntries entries(byte[] tar, int maxEntries) {
    return new TarEntries(
        new ByteArrayInputStream(tar),
        new WorkspaceFiles.Bounds(maxEntries, 1 << 20, Duration.ofSeconds(10)));
  }
}
