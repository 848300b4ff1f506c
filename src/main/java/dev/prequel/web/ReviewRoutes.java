package dev.prequel.web;

import dev.prequel.challenge.Markdown;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.review.Review;
import dev.prequel.web.ReviewModels.Page;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Notes and scorecard (issue 17, 4) in the API ({@code /api/v1/interviews/{id}/notes}, {@code
 * .../scorecard}) and the portal ({@code /interviews/{id}/review}). Every save is audited.
 */
final class ReviewRoutes {

  /** Body of {@code PUT /api/v1/interviews/{id}/notes}. */
  record NotesInput(String markdown) {}

  private final Review review;
  private final Interviews interviews;
  private final Pages pages;

  ReviewRoutes(Review review, Interviews interviews, Pages pages) {
    this.review = review;
    this.interviews = interviews;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/interviews/{id}/notes",
        ctx -> ApiRoutes.json(ctx, 200, review.notes(ctx.pathParam("id"))));
    r.put(
        "/api/v1/interviews/{id}/notes",
        ctx -> {
          String id = ctx.pathParam("id");
          Review.Notes saved =
              review.saveNotes(
                  id, Json.read(ctx.body(), NotesInput.class).markdown(), Viewer.email());
          auditNotes(ctx, id, saved);
          ApiRoutes.json(ctx, 200, saved);
        });
    r.get(
        "/api/v1/interviews/{id}/scorecard",
        ctx -> ApiRoutes.json(ctx, 200, review.scorecard(ctx.pathParam("id"))));
    r.put(
        "/api/v1/interviews/{id}/scorecard",
        ctx -> {
          String id = ctx.pathParam("id");
          Review.Scorecard saved =
              review.saveScorecard(
                  id, Json.read(ctx.body(), Review.ScorecardInput.class), Viewer.email());
          auditScorecard(ctx, id, saved);
          ApiRoutes.json(ctx, 200, saved);
        });
    r.get("/interviews/{id}/review", ctx -> page(ctx, 200, ctx.queryParam("notice")));
    r.post(
        "/interviews/{id}/notes",
        ctx -> {
          String id = ctx.pathParam("id");
          try {
            auditNotes(ctx, id, review.saveNotes(id, ctx.formParam("markdown"), Viewer.email()));
            ctx.redirect("/interviews/" + id + "/review", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            refused(ctx, e);
          }
        });
    r.post(
        "/interviews/{id}/scorecard",
        ctx -> {
          String id = ctx.pathParam("id");
          Map<String, Integer> scores = new LinkedHashMap<>();
          for (String criterion : review.criteria(id)) {
            String value = ctx.formParam("score:" + criterion);
            if (value != null && !value.isBlank()) {
              scores.put(criterion, parseScore(value));
            }
          }
          try {
            auditScorecard(
                ctx,
                id,
                review.saveScorecard(
                    id,
                    new Review.ScorecardInput(
                        scores, ctx.formParam("recommendation"), ctx.formParam("comment")),
                    Viewer.email()));
            ctx.redirect("/interviews/" + id + "/review", HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            refused(ctx, e);
          }
        });
  }

  private void refused(Context ctx, ProblemException e) {
    if (e.kind() == ProblemException.Kind.NOT_FOUND) {
      throw e;
    }
    page(ctx, e.kind().httpStatus, e.getMessage());
  }

  private void page(Context ctx, int status, String notice) {
    Interview i = interviews.get(ctx.pathParam("id"));
    Review.Notes notes = review.notes(i.id());
    pages.render(
        ctx,
        status,
        "review.jte",
        new Page(
            i.id(),
            i.candidateName(),
            i.status().wireName(),
            notes,
            Markdown.toSafeHtml(notes.markdown()),
            review.scorecard(i.id()),
            Review.MIN_SCORE,
            Review.MAX_SCORE,
            notice));
  }

  private static int parseScore(String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw ProblemException.badInput("scores", "a score must be a whole number");
    }
  }

  // The audit log says who changed what and when; the notes themselves stay out of it.
  private static void auditNotes(Context ctx, String id, Review.Notes saved) {
    Gate.audit(
        ctx,
        "interview.notes",
        "interview " + id,
        "notes saved (" + saved.markdown().length() + " characters)");
  }

  private static void auditScorecard(Context ctx, String id, Review.Scorecard saved) {
    StringBuilder detail = new StringBuilder("scorecard saved:");
    saved.scores().stream()
        .filter(s -> s.score() != null)
        .forEach(s -> detail.append(' ').append(s.criterion()).append('=').append(s.score()));
    detail.append(", recommendation ").append(saved.recommendation());
    Gate.audit(ctx, "interview.scorecard", "interview " + id, detail.toString());
  }
}
