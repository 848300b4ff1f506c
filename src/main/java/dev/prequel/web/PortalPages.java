package dev.prequel.web;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.interview.NewInterview;
import dev.prequel.interview.Status;
import dev.prequel.web.PageModels.ChallengeOption;
import dev.prequel.web.PageModels.CreateForm;
import dev.prequel.web.PageModels.DetailPage;
import dev.prequel.web.PageModels.InterviewsPage;
import dev.prequel.web.PageModels.Row;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The interviewer's portal: server-rendered pages; live updates come from {@link LiveStream}. */
final class PortalPages {

  private static final List<Integer> DURATIONS = List.of(30, 45, 60, 90, 120, 180, 240);

  private final Interviews interviews;
  private final ChallengeCatalog challenges;
  private final PublicUrls urls;
  private final Pages pages;
  private final String isolationWarning;

  PortalPages(
      Interviews interviews,
      ChallengeCatalog challenges,
      PublicUrls urls,
      Pages pages,
      String isolationWarning) {
    this.isolationWarning = isolationWarning;
    this.interviews = interviews;
    this.challenges = challenges;
    this.urls = urls;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.get("/", ctx -> ctx.redirect("/interviews"));
    r.get("/interviews", ctx -> listPage(ctx, CreateForm.empty(), 200));
    r.post("/interviews", this::create);
    r.get(
        "/interviews/{id}",
        ctx -> {
          Interview i = interviews.get(ctx.pathParam("id"));
          String title = challengeTitle(i.challengeId());
          render(
              ctx,
              200,
              "detail.jte",
              new DetailPage(
                  Row.of(i, title, urls),
                  title,
                  interviews.log(i.id()),
                  interviews.secretNames(i.id()),
                  i.status() == Status.SCHEDULED || i.status() == Status.INVITED));
        });
    // Replaces them all; the form never shows a value, so an empty box removes them.
    r.post(
        "/interviews/{id}/secrets",
        ctx ->
            actOn(
                ctx,
                () -> {
                  String id = ctx.pathParam("id");
                  SecretRoutes.audit(
                      ctx,
                      id,
                      interviews.replaceSecrets(
                          id, SecretRoutes.parseLines(ctx.formParam("secrets"))));
                }));
    r.get(
        "/interviews/{id}/row",
        ctx -> {
          Interview i = interviews.get(ctx.pathParam("id"));
          render(ctx, 200, "row.jte", Row.of(i, challengeTitle(i.challengeId()), urls));
        });
    r.get(
        "/interviews/{id}/log",
        ctx ->
            render(ctx, 200, "loglines.jte", Map.of("log", interviews.log(ctx.pathParam("id")))));
    r.post(
        "/interviews/{id}/destroy",
        ctx ->
            actOn(
                ctx,
                () -> {
                  Interview ending = interviews.destroy(ctx.pathParam("id"));
                  Gate.audit(
                      ctx, "interview.destroy", "interview " + ending.id(), ending.candidateName());
                }));
    r.post(
        "/interviews/{id}/extend",
        ctx ->
            actOn(
                ctx,
                () -> {
                  Interview i = interviews.get(ctx.pathParam("id"));
                  int minutes = parseInt(ctx.formParam("minutes"), "minutes");
                  if (minutes <= 0) {
                    throw ProblemException.badInput(
                        "minutes", "extend by a positive number of minutes");
                  }
                  ApiRoutes.auditExpiry(
                      ctx,
                      interviews.changeExpiry(
                          i.id(), i.expiresAt().plus(Duration.ofMinutes(minutes))));
                }));
  }

  void renderNotFound(Context ctx, String message) {
    render(ctx, 404, "notfound.jte", Map.of("message", message));
  }

  private void create(Context ctx) {
    CreateForm form =
        new CreateForm(
            nz(ctx.formParam("candidateName")),
            nz(ctx.formParam("challengeId")),
            nz(ctx.formParam("durationMinutes")),
            nz(ctx.formParam("scheduledAt")),
            Map.of());
    try {
      ApiRoutes.auditCreate(
          ctx,
          interviews.create(
              new NewInterview(
                  form.candidateName(),
                  form.challengeId(),
                  parseInt(form.durationMinutes(), "durationMinutes"),
                  scheduledAt(ctx.formParam("scheduledAtIso"), form.scheduledAt()),
                  SecretRoutes.parseLines(ctx.formParam("secrets")))));
      ctx.redirect("/interviews", io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (ProblemException e) {
      String field = e.field() == null ? "" : e.field();
      listPage(
          ctx,
          new CreateForm(
              form.candidateName(),
              form.challengeId(),
              form.durationMinutes(),
              form.scheduledAt(),
              Map.of(field, e.getMessage())),
          e.kind().httpStatus);
    }
  }

  private void listPage(Context ctx, CreateForm form, int status) {
    boolean history = "history".equals(ctx.queryParam("view"));
    EnumSet<Status> statuses = EnumSet.noneOf(Status.class);
    Stream.of(Status.values()).filter(s -> s.isLive() != history).forEach(statuses::add);
    List<Row> rows =
        interviews.list(statuses).stream()
            .map(i -> Row.of(i, challengeTitle(i.challengeId()), urls))
            .toList();
    List<ChallengeOption> options =
        challenges.list().stream()
            .map(c -> new ChallengeOption(c.id(), c.title(), c.description()))
            .toList();
    render(
        ctx,
        status,
        "interviews.jte",
        new InterviewsPage(
            history ? "history" : "active",
            rows,
            options,
            DURATIONS,
            form,
            ctx.queryParam("notice"),
            isolationWarning));
  }

  /**
   * Runs a button's action, then returns to where the button was; a refusal is shown on the list
   * page.
   */
  private void actOn(Context ctx, Runnable action) {
    String back =
        ctx.header("Referer") != null && ctx.header("Referer").contains("/interviews/")
            ? "/interviews/" + ctx.pathParam("id")
            : "/interviews";
    try {
      action.run();
      ctx.redirect(back, io.javalin.http.HttpStatus.SEE_OTHER);
    } catch (ProblemException e) {
      if (e.kind() == ProblemException.Kind.NOT_FOUND) {
        throw e;
      }
      ctx.redirect(
          "/interviews?notice=" + URLEncoder.encode(e.getMessage(), StandardCharsets.UTF_8),
          io.javalin.http.HttpStatus.SEE_OTHER);
    }
  }

  private String challengeTitle(String id) {
    return challenges.find(id).map(Challenge::title).orElse(id);
  }

  private void render(Context ctx, int status, String template, Object model) {
    pages.render(ctx, status, template, model);
  }

  /**
   * The browser sends the UTC instant it computed; without script, the field is read in the
   * server's zone.
   */
  private static Instant scheduledAt(String iso, String local) {
    try {
      if (iso != null && !iso.isBlank()) {
        return Instant.parse(iso.strip());
      }
      if (local != null && !local.isBlank()) {
        return LocalDateTime.parse(local.strip()).atZone(ZoneId.systemDefault()).toInstant();
      }
      return null;
    } catch (DateTimeParseException e) {
      throw ProblemException.badInput(
          "scheduledAt", "the start time '" + local + "' is not a date and time");
    }
  }

  private static int parseInt(String value, String field) {
    try {
      return Integer.parseInt(value == null ? "" : value.strip());
    } catch (NumberFormatException e) {
      throw ProblemException.badInput(field, field + " must be a whole number");
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
