package dev.prequel.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore;
import dev.prequel.interview.Status;
import dev.prequel.store.Database;
import dev.prequel.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** Notes and scorecards (V9_2), on the embedded H2 and on PostgreSQL: the same answers. */
@ParameterizedClass(name = "on {0}")
@EnumSource(Database.Kind.class)
class ReviewStoreTest {

  private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  /** A time finer than both databases keep: they store microseconds. */
  private static final Instant FINE = Instant.parse("2026-03-02T09:00:00.123456789Z");

  @Parameter Database.Kind kind;
  @TempDir Path data;
  Database db;
  InterviewStore interviews;
  ReviewStore store;

  @BeforeEach
  void open() {
    db = TestDatabases.open(kind, data);
    interviews = new InterviewStore(db.jdbi(), dev.prequel.testing.Secrets.randomBox());
    store = new ReviewStore(db.jdbi());
    interviews.insert(
        new Interview(
            "rvs-a",
            "Ada",
            "hello",
            Status.ACTIVE,
            "pw-rvs-a",
            null,
            T0,
            T0.plusSeconds(3600),
            T0,
            T0,
            null));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void notesAreWrittenThenReplacedAndReadBackWhole() {
    String markdown = "# Ada ✓\n\n- it's \"quoted\"\n" + "x".repeat(50_000);

    assertThat(store.notes("rvs-a")).isEmpty();
    store.saveNotes("rvs-a", "first", T0, "a@example.com");
    store.saveNotes("rvs-a", markdown, FINE, "b@example.com");

    assertThat(store.notes("rvs-a"))
        .contains(new Review.Notes(markdown, FINE.minusNanos(789), "b@example.com"));
  }

  @Test
  void aScorecardIsWrittenThenReplacedWithANullRecommendation() {
    store.saveScorecard(
        "rvs-a",
        new ReviewStore.StoredScorecard("{\"design\":4}", "hire", "good", T0, "a@example.com"));
    ReviewStore.StoredScorecard second =
        new ReviewStore.StoredScorecard(
            "{\"design\":2,\"tests\":5}", null, "on second thought", T0.plusSeconds(60), "b@x");

    store.saveScorecard("rvs-a", second);

    assertThat(store.scorecard("rvs-a")).contains(second);
  }

  @Test
  void notesAndScorecardGoWithTheirInterview() {
    store.saveNotes("rvs-a", "private", T0, "a@example.com");
    store.saveScorecard(
        "rvs-a", new ReviewStore.StoredScorecard("{}", "no-hire", "", T0, "a@example.com"));

    interviews.delete("rvs-a");

    assertThat(store.notes("rvs-a")).isEmpty();
    assertThat(store.scorecard("rvs-a")).isEmpty();
  }
}
