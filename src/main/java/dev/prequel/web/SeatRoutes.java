package dev.prequel.web;

import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.seat.Seat;
import dev.prequel.seat.SeatView;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

/**
 * The interviewer's live seat (issue 17, 3): {@code /interviews/{id}/seat} in the portal, its
 * fragment {@code .../seat/view} that the page fetches again on each change, the change events
 * {@code .../seat/events} (SSE, {@link SeatStream}: a workspace is looked at only while such a
 * stream is open), and {@code GET /api/v1/interviews/{id}/seat} in the API. All of them are behind
 * the {@link Gate} like every portal page: a candidate's workspace cookie is no session, and on a
 * workspace's host every path goes to its code-server.
 */
final class SeatRoutes {

  private final Seat seat;
  private final Interviews interviews;
  private final Pages pages;
  private final SeatStream stream;

  SeatRoutes(Seat seat, Interviews interviews, Pages pages) {
    this.seat = seat;
    this.interviews = interviews;
    this.pages = pages;
    this.stream = new SeatStream(seat::watch);
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/interviews/{id}/seat",
        ctx -> {
          Interview i = interviews.get(ctx.pathParam("id"));
          ApiRoutes.json(ctx, 200, seat.view(i.id(), ctx.queryParam("file")));
        });
    r.get("/interviews/{id}/seat", ctx -> render(ctx, "seat.jte"));
    r.get("/interviews/{id}/seat/view", ctx -> render(ctx, "seatview.jte"));
    // An unknown interview is a 404 before the stream's headers go out.
    r.before("/interviews/{id}/seat/events", ctx -> interviews.get(ctx.pathParam("id")));
    r.sse("/interviews/{id}/seat/events", stream::connect);
  }

  private void render(Context ctx, String template) {
    Interview i = interviews.get(ctx.pathParam("id"));
    String file = ctx.queryParam("file");
    SeatView view = seat.view(i.id(), file == null || file.isBlank() ? null : file);
    pages.render(
        ctx,
        200,
        template,
        new SeatModels.Page(
            i.id(),
            i.candidateName(),
            i.status().wireName(),
            view,
            SnapshotRoutes.diffView(view.changes())));
  }
}
