package dev.prequel.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.challenge.S3Settings;
import dev.prequel.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.util.FileUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/** The S3-backed archive against a real S3 endpoint (S3Proxy, in-process). */
class S3ArchiveStoreTest {

  static final String KEY = "archive/ada.zip";
  static S3ProxyServer s3;
  static int bucketNo;

  @TempDir Path data;
  String bucket;
  S3ArchiveStore store;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3ProxyServer();
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  @BeforeEach
  void setUp() {
    bucket = "archive-" + ++bucketNo;
    s3.createBucket(bucket);
    store = newStore(data.resolve("archive"), S3ProxyServer.SECRET);
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  S3ArchiveStore newStore(Path dir, String secret) {
    return new S3ArchiveStore(s3.settings(bucket, "archive/", secret), dir);
  }

  static Snapshot record(ArchiveStore store, String reason, Map<String, String> files) {
    return store.record(
        "ada",
        new ArchiveStore.Request(Instant.now(), reason, List.of(), List.of()),
        sink -> {
          for (Map.Entry<String, String> f : files.entrySet()) {
            sink.add(
                f.getKey(),
                false,
                new ByteArrayInputStream(f.getValue().getBytes(StandardCharsets.UTF_8)));
          }
        });
  }

  String etag() {
    try (S3Client admin = s3.admin()) {
      return admin.headObject(r -> r.bucket(bucket).key(KEY)).eTag();
    }
  }

  static byte[] zip(ArchiveStore store, String snapshotId) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.writeZip("ada", snapshotId, out);
    return out.toByteArray();
  }

  @Test
  void theTimelineSurvivesLosingTheLocalFolder() throws Exception {
    Snapshot first = record(store, Snapshot.BASELINE, Map.of("a.py", "print(1)\n"));
    Snapshot second = record(store, Snapshot.PERIODIC, Map.of("a.py", "print(2)\n", "b.md", "b"));
    byte[] zip = zip(store, second.id());
    store.close();
    FileUtils.delete(data.resolve("archive").toFile(), FileUtils.RECURSIVE);

    store = newStore(data.resolve("archive"), S3ProxyServer.SECRET);

    assertThat(store.snapshots("ada"))
        .extracting(Snapshot::id)
        .containsExactly(first.id(), second.id());
    assertThat(store.files("ada", second.id()))
        .extracting(SnapshotFile::path)
        .containsExactly("a.py", "b.md");
    assertThat(store.read("ada", first.id(), "a.py", 100))
        .hasValueSatisfying(
            b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("print(1)\n"));
    assertThat(zip(store, second.id())).isEqualTo(zip);
    assertThat(store.diff("ada", first.id(), second.id())).hasSize(2);
  }

  @Test
  void anUnchangedSnapshotIsNotUploadedAgain() {
    record(store, Snapshot.BASELINE, Map.of("a.py", "print(1)\n"));
    String uploaded = etag();

    record(store, Snapshot.PERIODIC, Map.of("a.py", "print(1)\n"));
    assertThat(etag()).isEqualTo(uploaded);

    record(store, Snapshot.PERIODIC, Map.of("a.py", "print(2)\n"));
    assertThat(etag()).isNotEqualTo(uploaded);
  }

  @Test
  void wrongCredentialsFailClearly() {
    try (S3ArchiveStore wrong = newStore(data.resolve("other"), "not-the-secret")) {
      assertThatThrownBy(() -> record(wrong, Snapshot.BASELINE, Map.of("a.py", "x")))
          .isInstanceOf(ArchiveUnavailableException.class)
          .hasMessageContaining("access denied")
          .hasMessageContaining("PREQUEL_S3_SECRET_ACCESS_KEY");
      assertThatThrownBy(() -> wrong.snapshots("bob"))
          .isInstanceOf(ArchiveUnavailableException.class)
          .hasMessageContaining("PREQUEL_S3_ACCESS_KEY_ID");
    }
  }

  @Test
  void aSnapshotTakenWhileS3IsDownIsRecordedOnceItIsBack() throws Exception {
    s3.stop();
    try {
      assertThatThrownBy(() -> record(store, Snapshot.BASELINE, Map.of("a.py", "print(1)\n")))
          .isInstanceOf(ArchiveUnavailableException.class)
          .hasMessageContaining("cannot be reached")
          .hasMessageContaining("PREQUEL_S3_ENDPOINT");
    } finally {
      s3.start();
    }

    Snapshot retried = record(store, Snapshot.BASELINE, Map.of("a.py", "print(1)\n"));

    assertThat(etag()).isNotEmpty();
    store.close();
    FileUtils.delete(data.resolve("archive").toFile(), FileUtils.RECURSIVE);
    store = newStore(data.resolve("archive"), S3ProxyServer.SECRET);
    assertThat(store.snapshots("ada")).extracting(Snapshot::id).containsExactly(retried.id());
  }

  @Test
  void deleteRemovesTheObjectAndTheLocalCopy() {
    record(store, Snapshot.BASELINE, Map.of("a.py", "print(1)\n"));

    store.delete("ada");

    assertThatThrownBy(this::etag).isInstanceOf(NoSuchKeyException.class);
    assertThat(data.resolve("archive/ada.git")).doesNotExist();
    assertThat(store.snapshots("ada")).isEmpty();
    store.delete("ada"); // safe when there is none
  }

  @Test
  void theArchiveSharesTheLibrarysBucketUnderItsOwnPrefix() {
    assertThat(S3Settings.fromEnv(Map.of("PREQUEL_S3_BUCKET", "b")).archivePrefix())
        .isEqualTo("archive/");
    assertThat(
            S3Settings.fromEnv(
                    Map.of("PREQUEL_S3_BUCKET", "b", "PREQUEL_S3_ARCHIVE_PREFIX", "work"))
                .archivePrefix())
        .isEqualTo("work/");
  }
}
