package dev.prequel.web;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeCatalog;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.NewTakeHome;
import dev.prequel.interview.TakeHomes;
import dev.prequel.web.TakeHomeModels.Form;
import dev.prequel.web.TakeHomeModels.Page;
import dev.prequel.web.TakeHomeModels.Row;
import dev.prequel.web.TakeHomeModels.TakeHomeJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.List;
import java.util.Map;

/** Take-homes in the API ({@code /api/v1/take-homes}) and the portal ({@code /take-homes}). */
final class TakeHomeRoutes {

  private static final List<Integer> DURATIONS =
      List.of(30, 45, 60, 90, 120, 180, 240, 300, 360, 480);
  private static final List<Integer> WINDOW_DAYS = List.of(1, 2, 3, 5, 7, 14);

  private final TakeHomes takeHomes;
  private final ChallengeCatalog challenges;
  private final PublicUrls urls;
  private final Pages pages;

  TakeHomeRoutes(TakeHomes takeHomes, ChallengeCatalog challenges, PublicUrls urls, Pages pages) {
    this.takeHomes = takeHomes;
    this.challenges = challenges;
    this.urls = urls;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.post(
        "/api/v1/take-homes",
        ctx -> {
          TakeHomes.Entry created = takeHomes.invite(Json.read(ctx.body(), NewTakeHome.class));
          audit(ctx, created);
          ApiRoutes.json(ctx, 201, TakeHomeJson.of(created, urls));
        });
    r.get(
        "/api/v1/take-homes",
        ctx ->
            ApiRoutes.json(
                ctx, 200, takeHomes.list().stream().map(e -> TakeHomeJson.of(e, urls)).toList()));
    r.get(
        "/api/v1/take-homes/{id}",
        ctx -> ApiRoutes.json(ctx, 200, TakeHomeJson.of(takeHomes.get(ctx.pathParam("id")), urls)));
    r.get("/take-homes", ctx -> page(ctx, Form.empty(), 200));
    r.post("/take-homes", this::create);
  }

  private void create(Context ctx) {
    Form form =
        new Form(
            nz(ctx.formParam("candidateName")),
            nz(ctx.formParam("challengeId")),
            nz(ctx.formParam("durationMinutes")),
            nz(ctx.formParam("startWindowDays")),
            Map.of());
    try {
      audit(
          ctx,
          takeHomes.invite(
              new NewTakeHome(
                  form.candidateName(),
                  form.challengeId(),
                  number(form.durationMinutes(), "durationMinutes"),
                  number(form.startWindowDays(), "startWindowDays"))));
      ctx.redirect("/take-homes", HttpStatus.SEE_OTHER);
    } catch (ProblemException e) {
      String field = e.field() == null ? "" : e.field();
      page(
          ctx,
          new Form(
              form.candidateName(),
              form.challengeId(),
              form.durationMinutes(),
              form.startWindowDays(),
              Map.of(field, e.getMessage())),
          e.kind().httpStatus);
    }
  }

  private void page(Context ctx, Form form, int status) {
    List<Row> rows =
        takeHomes.list().stream()
            .map(
                e ->
                    new Row(
                        TakeHomeJson.of(e, urls),
                        challenges
                            .find(e.interview().challengeId())
                            .map(Challenge::title)
                            .orElse(e.interview().challengeId()),
                        minutes(e.takeHome().durationMinutes()),
                        e.interview().status() == dev.prequel.interview.Status.INVITED))
            .toList();
    List<PageModels.ChallengeOption> options =
        challenges.list().stream()
            .map(c -> new PageModels.ChallengeOption(c.id(), c.title(), c.description()))
            .toList();
    pages.render(
        ctx, status, "takehomes.jte", new Page(rows, options, DURATIONS, WINDOW_DAYS, form));
  }

  private static void audit(Context ctx, TakeHomes.Entry e) {
    Gate.audit(
        ctx,
        "takehome.create",
        "interview " + e.interview().id(),
        e.interview().candidateName()
            + ", "
            + e.interview().challengeId()
            + ", "
            + e.takeHome().durationMinutes()
            + " min, start by "
            + e.takeHome().windowEndsAt());
  }

  static String minutes(int minutes) {
    int h = minutes / 60;
    int m = minutes % 60;
    return h == 0 ? m + " min" : m == 0 ? h + " h" : h + " h " + m + " min";
  }

  private static Integer number(String value, String field) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw ProblemException.badInput(field, field + " must be a whole number");
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }
}
