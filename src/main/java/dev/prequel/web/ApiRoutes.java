package dev.prequel.web;

import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.interview.NewInterview;
import dev.prequel.interview.Status;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/** The JSON API under /api/v1. Each handler reads input, calls one operation, writes the result. */
final class ApiRoutes {

  /** Body of {@code PATCH /api/v1/interviews/{id}}. */
  record ExpiryChange(Instant expiresAt) {}

  private final Interviews interviews;
  private final PublicUrls urls;

  ApiRoutes(Interviews interviews, PublicUrls urls) {
    this.interviews = interviews;
    this.urls = urls;
  }

  void register(RoutesConfig r) {
    r.post(
        "/api/v1/interviews",
        ctx -> {
          Interview created = interviews.create(Json.read(ctx.body(), NewInterview.class));
          auditCreate(ctx, created);
          json(ctx, 201, view(created));
        });
    r.get(
        "/api/v1/interviews",
        ctx ->
            json(
                ctx,
                200,
                interviews.list(statuses(ctx.queryParams("status"))).stream()
                    .map(this::view)
                    .toList()));
    r.get(
        "/api/v1/interviews/{id}",
        ctx -> json(ctx, 200, view(interviews.get(ctx.pathParam("id")))));
    r.patch(
        "/api/v1/interviews/{id}",
        ctx -> {
          Interview changed =
              interviews.changeExpiry(
                  ctx.pathParam("id"), Json.read(ctx.body(), ExpiryChange.class).expiresAt());
          auditExpiry(ctx, changed);
          json(ctx, 200, view(changed));
        });
    r.post(
        "/api/v1/interviews/{id}/destroy",
        ctx -> {
          Interview ending = interviews.destroy(ctx.pathParam("id"));
          Gate.audit(ctx, "interview.destroy", "interview " + ending.id(), ending.candidateName());
          json(ctx, 202, view(ending));
        });
    r.get(
        "/api/v1/interviews/{id}/log", ctx -> json(ctx, 200, interviews.log(ctx.pathParam("id"))));
  }

  static void auditCreate(Context ctx, Interview i) {
    Gate.audit(
        ctx,
        "interview.create",
        "interview " + i.id(),
        i.candidateName() + ", " + i.challengeId() + ", until " + i.expiresAt());
  }

  static void auditExpiry(Context ctx, Interview i) {
    Gate.audit(ctx, "interview.extend", "interview " + i.id(), "now ends " + i.expiresAt());
  }

  private InterviewJson view(Interview i) {
    return InterviewJson.of(i, urls);
  }

  /**
   * {@code ?status=active&status=scheduled} or {@code ?status=active,scheduled}; none means all.
   */
  private static EnumSet<Status> statuses(List<String> params) {
    EnumSet<Status> set = EnumSet.noneOf(Status.class);
    params.stream()
        .flatMap(p -> Arrays.stream(p.split(",")))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .forEach(s -> set.add(Status.fromWireName(s)));
    return set;
  }

  static void json(Context ctx, int status, Object body) {
    ctx.status(status).contentType("application/json").result(Json.write(body));
  }

  static void problem(Context ctx, ProblemException e) {
    var body = new java.util.LinkedHashMap<String, Object>();
    body.put("error", e.code());
    body.put("message", e.getMessage());
    if (e.field() != null) {
      body.put("field", e.field());
    }
    json(ctx, e.kind().httpStatus, body);
  }
}
