package dev.prequel.web;

import dev.prequel.review.Review;

/** What the review page shows. Public because templates are compiled apart. */
public final class ReviewModels {

  private ReviewModels() {}

  /** The portal's review page. Public because templates are compiled apart. */
  public record Page(
      String id,
      String candidateName,
      String status,
      Review.Notes notes,
      String notesHtml,
      Review.Scorecard scorecard,
      int minScore,
      int maxScore,
      String notice) {}
}
