package dev.prequel.web;

import dev.prequel.archive.Archive;
import dev.prequel.archive.FileChange;
import dev.prequel.archive.Snapshot;
import dev.prequel.error.ProblemException;
import dev.prequel.interview.Interview;
import dev.prequel.interview.Interviews;
import dev.prequel.web.ArchiveModels.ArchivePage;
import dev.prequel.web.ArchiveModels.DiffLine;
import dev.prequel.web.ArchiveModels.DiffView;
import dev.prequel.web.ArchiveModels.Timeline;
import dev.prequel.web.ArchiveModels.TimelineEntry;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An interview's archive: the snapshot timeline, file tree and preview, diffs, zip download, and
 * deleting an ended interview; as JSON under /api/v1 and as the portal's files page.
 */
final class SnapshotRoutes {

  private final Interviews interviews;
  private final Archive archive;
  private final PublicUrls urls;
  private final Pages pages;
  private final dev.prequel.review.Review review;

  SnapshotRoutes(
      Interviews interviews,
      Archive archive,
      PublicUrls urls,
      Pages pages,
      dev.prequel.review.Review review) {
    this.review = review;
    this.interviews = interviews;
    this.archive = archive;
    this.urls = urls;
    this.pages = pages;
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/interviews/{id}/snapshots",
        ctx -> ApiRoutes.json(ctx, 200, archive.snapshots(ctx.pathParam("id"))));
    r.get("/api/v1/interviews/{id}/files.zip", this::zip);
    r.get(
        "/api/v1/interviews/{id}/diff",
        ctx -> {
          String id = ctx.pathParam("id");
          Snapshot to = archive.snapshot(id, ctx.queryParam("to"));
          String fromId = ctx.queryParam("from");
          Snapshot from = fromId == null || fromId.isBlank() ? null : archive.snapshot(id, fromId);
          ApiRoutes.json(ctx, 200, archive.diff(id, from, to));
        });
    r.delete(
        "/api/v1/interviews/{id}",
        ctx -> {
          String id = ctx.pathParam("id");
          String name = interviews.get(id).candidateName();
          archive.delete(id);
          Gate.audit(ctx, "interview.delete", "interview " + id, name + " (record and archive)");
          ctx.status(HttpStatus.NO_CONTENT);
        });
    r.post(
        "/api/v1/interviews/{id}/discard-unarchived",
        ctx -> {
          var i = archive.discardUnarchived(ctx.pathParam("id"));
          Gate.audit(ctx, "interview.discard-unarchived", "interview " + i.id(), i.candidateName());
          ApiRoutes.json(ctx, 202, InterviewJson.of(i, urls));
        });

    r.get("/interviews/{id}/files", ctx -> render(ctx, "files.jte", page(ctx)));
    r.get("/interviews/{id}/timeline", ctx -> render(ctx, "timeline.jte", page(ctx).timeline()));
    r.post(
        "/interviews/{id}/delete",
        ctx -> {
          String id = ctx.pathParam("id");
          String name = interviews.get(id).candidateName();
          archive.delete(id);
          Gate.audit(ctx, "interview.delete", "interview " + id, name + " (record and archive)");
          ctx.redirect(
              "/interviews?view=history&notice="
                  + URLEncoder.encode(
                      "Deleted the interview of " + name + " and its archive.",
                      StandardCharsets.UTF_8),
              HttpStatus.SEE_OTHER);
        });
    r.post(
        "/interviews/{id}/discard-unarchived",
        ctx -> {
          var i = archive.discardUnarchived(ctx.pathParam("id"));
          Gate.audit(ctx, "interview.discard-unarchived", "interview " + i.id(), i.candidateName());
          ctx.redirect("/interviews/" + ctx.pathParam("id"), HttpStatus.SEE_OTHER);
        });
  }

  private void zip(Context ctx) throws Exception {
    String id = ctx.pathParam("id");
    Snapshot s = archive.snapshot(id, ctx.queryParam("snapshot"));
    ctx.contentType("application/zip")
        .header(
            "Content-Disposition",
            "attachment; filename=\"" + id + "-" + s.id().substring(0, 8) + ".zip\"");
    ZipWithReview.write(
        ctx.outputStream(),
        out -> archive.writeZip(id, s, out),
        id + "-review",
        review.exportFiles(id));
  }

  private ArchivePage page(Context ctx) {
    Interview i = interviews.get(ctx.pathParam("id"));
    List<Snapshot> all = archive.snapshots(i.id());
    String selectedParam = ctx.queryParam("snapshot");
    Snapshot selected =
        all.isEmpty() && (selectedParam == null || selectedParam.isBlank())
            ? null
            : archive.snapshot(i.id(), selectedParam);
    String fromParam = ctx.queryParam("from");
    Snapshot from =
        fromParam != null && !fromParam.isBlank()
            ? archive.snapshot(i.id(), fromParam)
            : all.isEmpty() ? null : all.get(0);
    int at = selected == null ? -1 : indexOf(all, selected.id());
    List<TimelineEntry> entries = new ArrayList<>();
    for (Snapshot s : all) {
      entries.add(
          new TimelineEntry(
              s.id(),
              s.id().substring(0, 8),
              s.takenAt().toString(),
              s.reason(),
              s.fileCount(),
              s.bytes(),
              selected != null && s.id().equals(selected.id()),
              from != null && s.id().equals(from.id())));
    }
    Timeline timeline =
        new Timeline(
            i.id(),
            i.status().isLive(),
            entries,
            selected == null ? null : selected.id(),
            from == null ? null : from.id(),
            at > 0 ? all.get(at - 1).id() : null,
            at >= 0 && at < all.size() - 1 ? all.get(at + 1).id() : null);
    String path = ctx.queryParam("path");
    String preview = null;
    if (selected != null && path != null && !path.isBlank()) {
      byte[] bytes =
          archive
              .preview(i.id(), selected, path)
              .orElseThrow(
                  () -> ProblemException.notFound("the snapshot has no file '" + path + "'"));
      preview =
          isBinary(bytes)
              ? "(binary file: download the zip to open it)"
              : new String(bytes, StandardCharsets.UTF_8)
                  + (bytes.length >= Archive.PREVIEW_BYTES ? "\n… (cut: the file is longer)" : "");
    }
    return new ArchivePage(
        i.id(),
        i.candidateName(),
        i.status().wireName(),
        i.status().isFinal(),
        archive.waitingForArchive(i.id()),
        timeline,
        selected == null ? List.of() : archive.files(i.id(), selected),
        selected == null ? List.of() : selected.leftOut(),
        selected == null ? List.of() : selected.skippedFolders(),
        path,
        preview,
        from == null ? "" : label(from),
        selected == null ? "" : label(selected),
        selected == null || from == null
            ? List.of()
            : diffView(archive.diff(i.id(), from, selected)));
  }

  private static String label(Snapshot s) {
    return s.reason() + " snapshot " + s.id().substring(0, 8) + " (" + s.takenAt() + ")";
  }

  private static int indexOf(List<Snapshot> all, String id) {
    for (int n = 0; n < all.size(); n++) {
      if (all.get(n).id().equals(id)) {
        return n;
      }
    }
    return -1;
  }

  static List<DiffView> diffView(List<FileChange> changes) {
    List<DiffView> views = new ArrayList<>();
    for (FileChange c : changes) {
      List<DiffLine> lines = new ArrayList<>();
      for (String line : c.patch().split("\n", -1)) {
        String css =
            line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff ")
                ? "meta"
                : line.startsWith("@@")
                    ? "hunk"
                    : line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx";
        if (!css.equals("meta") && !line.startsWith("index ")) {
          lines.add(new DiffLine(css, line));
        }
      }
      views.add(new DiffView(c.change(), c.path(), lines));
    }
    return views;
  }

  private static boolean isBinary(byte[] bytes) {
    for (int n = 0; n < Math.min(bytes.length, 8000); n++) {
      if (bytes[n] == 0) {
        return true;
      }
    }
    return false;
  }

  private void render(Context ctx, String template, Object model) {
    pages.render(ctx, 200, template, model);
  }
}
