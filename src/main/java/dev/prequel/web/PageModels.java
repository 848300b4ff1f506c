package dev.prequel.web;

import dev.prequel.interview.Interview;
import dev.prequel.interview.InterviewStore.LogLine;
import dev.prequel.interview.Status;
import java.util.List;
import java.util.Map;

/**
 * What the portal's templates show; built by {@link PortalPages}. Public because templates are
 * compiled apart.
 */
public final class PageModels {

  private PageModels() {}

  /** One challenge in the create form. */
  public record ChallengeOption(String id, String title, String description) {}

  /** The create form's values and the message next to each field that was wrong. */
  public record CreateForm(
      String candidateName,
      String challengeId,
      String durationMinutes,
      String scheduledAt,
      Map<String, String> errors) {

    public static CreateForm empty() {
      return new CreateForm("", "", "60", "", Map.of());
    }

    public String error(String field) {
      return errors.get(field);
    }
  }

  /** One interview in the list. */
  public record Row(
      String id,
      String candidateName,
      String challengeTitle,
      String status,
      String accessUrl,
      String password,
      String startsAt,
      String expiresAt,
      String errorReason,
      boolean live,
      boolean cancellable,
      boolean destroyable,
      boolean extendable) {

    static Row of(Interview i, String challengeTitle, PublicUrls urls) {
      Status s = i.status();
      return new Row(
          i.id(),
          i.candidateName(),
          challengeTitle,
          s.wireName(),
          urls.workspace(i.id()),
          i.password(),
          i.startsAt().toString(),
          i.expiresAt().toString(),
          i.errorReason(),
          s.isLive(),
          s == Status.SCHEDULED || s == Status.INVITED,
          s.isLive() && s != Status.SCHEDULED && s != Status.INVITED && s != Status.DESTROYING,
          s.isLive() && s != Status.INVITED && s != Status.DESTROYING);
    }

    /** Whether the candidate can be sent the link and password now. */
    public boolean showAccess() {
      return live && !status.equals("destroying");
    }
  }

  public record InterviewsPage(
      String view,
      List<Row> rows,
      List<ChallengeOption> challenges,
      List<Integer> durations,
      CreateForm form,
      String notice,
      String isolationWarning) {}

  /**
   * One interview's page.
   *
   * @param secretNames the names of its secrets (their values are never shown)
   * @param secretsEditable whether they may still change (before its workspace starts)
   */
  public record DetailPage(
      Row row,
      String challengeTitle,
      List<LogLine> log,
      java.util.Set<String> secretNames,
      boolean secretsEditable) {}
}
