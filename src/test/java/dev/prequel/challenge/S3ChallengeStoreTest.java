package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import dev.prequel.testing.S3ProxyServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The S3 store against a real S3 endpoint (S3Proxy, in-process, on a temp folder). */
class S3ChallengeStoreTest extends ChallengeStoreContract {

  static S3ProxyServer s3;
  static int bucketNo;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new S3ProxyServer();
  }

  @AfterAll
  static void stopS3() throws Exception {
    s3.close();
  }

  /** A fresh bucket per test, so tests do not see each other's challenges. */
  @Override
  ChallengeStore newStore(Path data) {
    String bucket = "challenges-" + ++bucketNo;
    s3.createBucket(bucket);
    return new S3ChallengeStore(settings(bucket, S3ProxyServer.SECRET), data.resolve("cache"));
  }

  static S3Settings settings(String bucket, String secret) {
    return s3.settings(bucket, "library/", secret);
  }

  @Test
  void wrongCredentialsFailClearly() throws Exception {
    try (S3ChallengeStore wrong =
        new S3ChallengeStore(settings("challenges-1", "not-the-secret"), data.resolve("c2"))) {
      assertThatThrownBy(wrong::ids)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("access denied")
          .hasMessageContaining("PREQUEL_S3_SECRET_ACCESS_KEY");
    }
  }

  @Test
  void theLibraryReportsAStoreItCannotReachAsUnavailable() throws Exception {
    library.add(folder("hotel", "Hotel"));
    try (S3ChallengeStore wrong =
        new S3ChallengeStore(settings("challenges-1", "not-the-secret"), data.resolve("c3"))) {
      assertThatThrownBy(() -> wrong.materialize("hotel"))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("access denied");
    }
    assertThat(ProblemException.unavailable("x").kind().httpStatus).isEqualTo(503);
  }

  @Test
  void anUnchangedChallengeIsDownloadedOnce() throws Exception {
    library.add(folder("india", "India"));

    Path first = store.materialize("india");
    Path second = store.materialize("india");
    store.write(
        "india", "README.md", "# changed\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Path third = store.materialize("india");

    assertThat(second).isEqualTo(first);
    assertThat(third).isNotEqualTo(first);
    assertThat(third.resolve("README.md")).hasContent("# changed");
  }

  @Test
  void aSecondReplicaOnTheSameBucketServesWhatTheFirstAddsEditsAndDeletes() throws Exception {
    // given a second replica: the same bucket and database, a cache folder of its own
    try (S3ChallengeStore otherStore =
        new S3ChallengeStore(
            settings("challenges-" + bucketNo, S3ProxyServer.SECRET), data.resolve("cache-b"))) {
      ChallengeLibrary other =
          new ChallengeLibrary(
              otherStore,
              new dev.prequel.store.ChallengeRecords(db.jdbi()),
              new HostTools(clock),
              new ChallengeArchive(ChallengeArchive.Limits.DEFAULT),
              data.resolve("uploads-b"),
              clock);
      // when a challenge is uploaded through the first
      library.add(folder("pgejuliet", "Juliet"));
      // then the second lists it and has its files for a workspace
      assertThat(other.list()).extracting(Challenge::id).contains("pgejuliet");
      assertThat(other.files("pgejuliet").resolve("README.md")).hasContent("# Juliet");
      // when its metadata is edited through the first, then the second shows the edit and its
      // workspaces get the new manifest
      library.edit("pgejuliet", new MetadataEdit("Juliet 2", "Edited", null, 45));
      assertThat(other.get("pgejuliet").title()).isEqualTo("Juliet 2");
      assertThat(other.files("pgejuliet").resolve("challenge.yaml")).content().contains("Juliet 2");
      // when it is deleted through the first, then the second no longer offers it
      library.delete("pgejuliet");
      assertThat(other.list()).extracting(Challenge::id).doesNotContain("pgejuliet");
    }
  }
}
