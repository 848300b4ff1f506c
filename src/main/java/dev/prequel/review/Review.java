package dev.prequel.review;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The interviewer's seat after (and during) an interview (issue 17, 4): private notes in markdown
 * and a scorecard whose criteria come from the challenge's manifest. Both can be edited at any
 * time, by anyone in the hiring team; the candidate never sees them.
 */
public final class Review {

  public static final int MAX_NOTES = 100_000;
  public static final int MAX_COMMENT = 20_000;
  public static final int MIN_SCORE = 1;
  public static final int MAX_SCORE = 5;

  /** The overall verdicts. */
  public static final Set<String> RECOMMENDATIONS = Set.of("hire", "no-hire");

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule())
          .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /** An interview's notes; empty markdown and null times when nobody wrote any yet. */
  public record Notes(String markdown, Instant updatedAt, String updatedBy) {}

  /** One criterion and its score (null: not scored yet). */
  public record Score(String criterion, Integer score) {}

  /**
   * An interview's scorecard, one score per criterion of its challenge, in the manifest's order.
   */
  public record Scorecard(
      List<Score> scores,
      String recommendation,
      String comment,
      Instant updatedAt,
      String updatedBy) {}

  /** What an interviewer sends: scores by criterion, "hire"/"no-hire" (or null), a comment. */
  public record ScorecardInput(
      Map<String, Integer> scores, String recommendation, String comment) {}

  private final ReviewStore store;
  private final Interviews interviews;
  private final ChallengeCatalog challenges;
  private final Clock clock;

  public Review(
      ReviewStore store, Interviews interviews, ChallengeCatalog challenges, Clock clock) {
    this.store = store;
    this.interviews = interviews;
    this.challenges = challenges;
    this.clock = clock;
  }

  public Notes notes(String id) {
    interviews.get(id);
    return store.notes(id).orElse(new Notes("", null, null));
  }

  public Notes saveNotes(String id, String markdown, String by) {
    interviews.get(id);
    String text = markdown == null ? "" : markdown;
    if (text.length() > MAX_NOTES) {
      throw ProblemException.badInput(
          "markdown", "notes are longer than " + MAX_NOTES + " characters");
    }
    store.saveNotes(id, text, now(), by);
    return notes(id);
  }

  /** The criteria of the interview's challenge (the manifest's {@code scorecard:}). */
  public List<String> criteria(String id) {
    Interview i = interviews.get(id);
    return challenges
        .find(i.challengeId())
        .map(Challenge::scorecard)
        .orElse(dev.prequel.challenge.Manifest.DEFAULT_SCORECARD);
  }

  public Scorecard scorecard(String id) {
    List<String> criteria = criteria(id);
    var stored = store.scorecard(id);
    Map<String, Integer> scores = stored.map(s -> parse(s.scores())).orElse(Map.of());
    List<Score> list = new ArrayList<>();
    criteria.forEach(c -> list.add(new Score(c, scores.get(c))));
    // a criterion scored before the challenge changed its list is kept, after the current ones
    scores.keySet().stream()
        .filter(c -> !criteria.contains(c))
        .forEach(c -> list.add(new Score(c, scores.get(c))));
    return new Scorecard(
        list,
        stored.map(ReviewStore.StoredScorecard::recommendation).orElse(null),
        stored.map(ReviewStore.StoredScorecard::comment).orElse(""),
        stored.map(ReviewStore.StoredScorecard::updatedAt).orElse(null),
        stored.map(ReviewStore.StoredScorecard::updatedBy).orElse(null));
  }

  public Scorecard saveScorecard(String id, ScorecardInput input, String by) {
    List<String> criteria = criteria(id);
    Map<String, Integer> scores = new LinkedHashMap<>();
    if (input.scores() != null) {
      for (Map.Entry<String, Integer> e : input.scores().entrySet()) {
        if (!criteria.contains(e.getKey())) {
          throw ProblemException.badInput(
              "scores",
              "'" + e.getKey() + "' is not a criterion of this challenge; use one of " + criteria);
        }
        Integer score = e.getValue();
        if (score != null && (score < MIN_SCORE || score > MAX_SCORE)) {
          throw ProblemException.badInput(
              "scores",
              "the score of '"
                  + e.getKey()
                  + "' must be between "
                  + MIN_SCORE
                  + " and "
                  + MAX_SCORE);
        }
        if (score != null) {
          scores.put(e.getKey(), score);
        }
      }
    }
    String recommendation =
        input.recommendation() == null || input.recommendation().isBlank()
            ? null
            : input.recommendation().strip();
    if (recommendation != null && !RECOMMENDATIONS.contains(recommendation)) {
      throw ProblemException.badInput(
          "recommendation", "recommendation must be hire or no-hire (or left out)");
    }
    String comment = input.comment() == null ? "" : input.comment();
    if (comment.length() > MAX_COMMENT) {
      throw ProblemException.badInput(
          "comment", "the comment is longer than " + MAX_COMMENT + " characters");
    }
    store.saveScorecard(
        id, new ReviewStore.StoredScorecard(write(scores), recommendation, comment, now(), by));
    return scorecard(id);
  }

  /** The review as files for the zip of the candidate's work: notes.md and scorecard.json. */
  public Map<String, byte[]> exportFiles(String id) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("notes.md", notes(id).markdown().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try {
      files.put(
          "scorecard.json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(scorecard(id)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a scorecard could not be written as JSON", e);
    }
    return files;
  }

  private static Map<String, Integer> parse(String json) {
    try {
      return JSON.readValue(json, new TypeReference<LinkedHashMap<String, Integer>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored scorecard is not JSON", e);
    }
  }

  private static String write(Map<String, Integer> scores) {
    try {
      return JSON.writeValueAsString(scores);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("scores could not be written as JSON", e);
    }
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }
}
