package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.Database;
import dev.prequel.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every challenge store must do, seen through the library as the portal and the API use it.
 * Each store's test class runs all of these.
 */
abstract class ChallengeStoreContract {

  @TempDir Path data;
  final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T09:00:00Z"));
  Database db;
  ChallengeStore store;
  ChallengeLibrary library;

  /** An empty store of the kind under test. */
  abstract ChallengeStore newStore(Path data) throws Exception;

  @BeforeEach
  void open() throws Exception {
    db = Database.openEmbedded(data.resolve("db"));
    store = newStore(data);
    library =
        new ChallengeLibrary(
            store,
            new ChallengeRecords(db.jdbi()),
            new HostTools(clock),
            new ChallengeArchive(ChallengeArchive.Limits.DEFAULT),
            data.resolve("uploads"),
            clock);
  }

  @AfterEach
  void close() throws Exception {
    if (store instanceof AutoCloseable c) {
      c.close();
    }
    db.close();
  }

  static final String MANIFEST =
      """
      id: %s
      title: "%s"
      description: |
        Some **Markdown**.
      environment: python
      setup: [echo ready]
      open: [README.md]
      test: python3 -m pytest
      tools: [sqlite3]
      """;

  Path folder(String id, String title) throws IOException {
    Path dir = Files.createTempDirectory(data, "src-");
    Files.writeString(dir.resolve("challenge.yaml"), MANIFEST.formatted(id, title));
    Files.writeString(dir.resolve("README.md"), "# " + title + "\n");
    Files.createDirectories(dir.resolve("src/deep"));
    Files.writeString(dir.resolve("src/deep/main.py"), "print('hi')\n");
    return dir;
  }

  static Path zip(Path dir, Map<String, String> files) throws IOException {
    Path zip = Files.createTempFile(dir, "upload-", ".zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (var e : files.entrySet()) {
        out.putNextEntry(new ZipEntry(e.getKey()));
        out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return zip;
  }

  @Test
  void anAddedChallengeIsListedWithItsManifestAndFiles() throws Exception {
    library.add(folder("alpha", "Alpha"));

    assertThat(library.list()).extracting(Challenge::id).containsExactly("alpha");
    Challenge alpha = library.get("alpha");
    assertThat(alpha.title()).isEqualTo("Alpha");
    assertThat(alpha.manifest().setup()).containsExactly("echo ready");
    assertThat(library.fileList("alpha"))
        .extracting(ChallengeStore.StoredFile::path)
        .containsExactly("README.md", "challenge.yaml", "src/deep/main.py");
    assertThat(library.preview("alpha", "src/deep/main.py").text()).isEqualTo("print('hi')\n");
  }

  @Test
  void aZipWithOneTopFolderIsAddedWithoutThatFolder() throws Exception {
    Path zip =
        zip(
            data,
            Map.of(
                "beta/challenge.yaml",
                MANIFEST.formatted("beta", "Beta"),
                "beta/README.md",
                "# Beta\n"));

    Challenge beta = library.addZip(zip);

    assertThat(beta.id()).isEqualTo("beta");
    assertThat(store.read("beta", "README.md")).hasValueSatisfying(b -> assertThat(b).isNotEmpty());
  }

  @Test
  void downloadGivesTheSameFilesBack() throws Exception {
    library.add(folder("gamma", "Gamma"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    library.writeZip("gamma", out);

    List<String> names = new ArrayList<>();
    try (ZipInputStream in =
        new ZipInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        names.add(e.getName());
      }
    }
    assertThat(names)
        .containsExactly("gamma/README.md", "gamma/challenge.yaml", "gamma/src/deep/main.py");
  }

  @Test
  void aBrokenManifestIsReportedAndDoesNotHideTheOthers() throws Exception {
    library.add(folder("good", "Good"));
    Path bad = folder("bad", "Bad");
    Files.writeString(bad.resolve("challenge.yaml"), "title: Bad\nsetpu: npm ci\n");
    store.put("bad", bad);

    assertThat(library.list()).extracting(Challenge::id).containsExactly("good");
    assertThat(library.broken())
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.id()).isEqualTo("bad");
              assertThat(b.file()).contains("bad/challenge.yaml");
              assertThat(b.field()).isEqualTo("setpu");
              assertThat(b.reason()).contains("not a known field");
            });
  }

  @Test
  void aSoftDeletedChallengeIsNotOfferedButItsFilesStayForInterviews() throws Exception {
    library.add(folder("delta", "Delta"));

    library.delete("delta");

    assertThat(library.list()).isEmpty();
    assertThat(library.find("delta")).hasValueSatisfying(c -> assertThat(c.deleted()).isTrue());
    Path files = library.files("delta");
    assertThat(files.resolve("src/deep/main.py")).hasContent("print('hi')");
  }

  @Test
  void anIdAlreadyOfferedIsAConflict() throws Exception {
    library.add(folder("echo", "Echo"));

    assertThatThrownBy(() -> library.add(folder("echo", "Echo again")))
        .isInstanceOf(ProblemException.class)
        .hasMessageContaining("already in the library");
  }

  @Test
  void editingMetadataRewritesTheManifest() throws Exception {
    library.add(folder("foxtrot", "Foxtrot"));

    library.edit("foxtrot", new MetadataEdit("Foxtrot 2", "New *text*", null, 90));

    Challenge c = library.get("foxtrot");
    assertThat(c.title()).isEqualTo("Foxtrot 2");
    assertThat(c.description()).isEqualTo("New *text*");
    assertThat(c.manifest().durationMinutes()).isEqualTo(90);
    assertThat(c.manifest().setup()).containsExactly("echo ready");
  }

  @Test
  void sortingByNewestMostAndRecentlyUsed() throws Exception {
    library.add(folder("old", "Old"));
    clock.advance(Duration.ofMinutes(1));
    library.add(folder("new", "New"));
    library.recordUse("old", clock.instant());
    library.recordUse("old", clock.instant());
    clock.advance(Duration.ofMinutes(1));
    library.recordUse("new", clock.instant());

    assertThat(library.library(ChallengeLibrary.Sort.NEWEST))
        .extracting(Challenge::id)
        .containsExactly("new", "old");
    assertThat(library.library(ChallengeLibrary.Sort.MOST_USED))
        .extracting(Challenge::id)
        .containsExactly("old", "new");
    assertThat(library.library(ChallengeLibrary.Sort.RECENTLY_USED))
        .extracting(Challenge::id)
        .containsExactly("new", "old");
    assertThat(library.get("old").useCount()).isEqualTo(2);
  }

  @Test
  void materializedFilesMatchTheStore() throws Exception {
    library.add(folder("golf", "Golf"));

    Path files = library.files("golf");

    assertThat(files.resolve("challenge.yaml")).exists();
    assertThat(files.resolve("README.md")).hasContent("# Golf");
  }
}
