package dev.prequel.web;

import dev.prequel.seat.SeatView;
import dev.prequel.web.ArchiveModels.DiffView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** What the seat's templates show; built by {@link SeatRoutes}. */
public final class SeatModels {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  private SeatModels() {}

  public record Page(
      String id, String candidateName, String status, SeatView seat, List<DiffView> diffs) {

    /** The seat's fragment for {@code file}, as the page fetches it. */
    public String viewUrl(String file) {
      return "/interviews/" + id + "/seat/view?file=" + ArchiveModels.q(file);
    }

    /** A terminal command's time, to the second, in UTC (as the page's other times). */
    public String time(Instant at) {
      return TIME.format(at);
    }

    /** The seat's own address with {@code file} opened, for the browser's history. */
    public String pageUrl(String file) {
      return "/interviews/" + id + "/seat?file=" + ArchiveModels.q(file);
    }
  }
}
