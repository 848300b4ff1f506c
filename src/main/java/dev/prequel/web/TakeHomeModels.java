package dev.prequel.web;

import dev.prequel.interview.TakeHomes;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the take-home page and API show. Public because templates are compiled apart. */
public final class TakeHomeModels {

  private TakeHomeModels() {}

  /** A take-home as the API shows it: its interview, and what makes it a take-home. */
  public record TakeHomeJson(
      InterviewJson interview,
      int durationMinutes,
      Instant startWindowEndsAt,
      Instant startedAt,
      Instant submittedAt) {

    static TakeHomeJson of(TakeHomes.Entry e, PublicUrls urls) {
      return new TakeHomeJson(
          InterviewJson.of(e.interview(), urls),
          e.takeHome().durationMinutes(),
          e.takeHome().windowEndsAt(),
          e.takeHome().startedAt(),
          e.takeHome().submittedAt());
    }
  }

  /** The portal's create form, as typed, with a message per wrong field. */
  public record Form(
      String candidateName,
      String challengeId,
      String durationMinutes,
      String startWindowDays,
      Map<String, String> errors) {

    static Form empty() {
      return new Form("", "", "240", "7", Map.of());
    }

    public String error(String field) {
      return errors.get(field);
    }
  }

  /** One take-home in the portal's list. */
  public record Row(
      TakeHomeJson takeHome, String challengeTitle, String durationText, boolean cancellable) {}

  /** The portal's take-home page. */
  public record Page(
      List<Row> rows,
      List<PageModels.ChallengeOption> challenges,
      List<Integer> durations,
      List<Integer> windowDays,
      Form form) {}
}
