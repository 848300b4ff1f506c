package dev.prequel.web;

import dev.prequel.challenge.Challenge;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.challenge.MetadataEdit;
import dev.prequel.error.ProblemException;
import dev.prequel.web.LibraryModels.Card;
import dev.prequel.web.LibraryModels.DetailPage;
import dev.prequel.web.LibraryModels.ListPage;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The challenge library in the portal: list, details with files, upload, edit, delete. */
final class LibraryPages {

  private final ChallengeLibrary library;
  private final Pages pages;
  private final Path scratch;

  LibraryPages(ChallengeLibrary library, Pages pages, Path scratch) {
    this.library = library;
    this.pages = pages;
    this.scratch = scratch;
  }

  void register(RoutesConfig r) {
    r.get("/challenges", ctx -> listPage(ctx, ctx.queryParam("notice"), 200));
    r.post(
        "/challenges",
        ctx -> {
          try {
            Challenge added = ChallengeRoutes.upload(ctx, library, scratch);
            Gate.audit(ctx, "challenge.upload", "challenge " + added.id(), added.title());
            ctx.redirect("/challenges/" + added.id(), HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            listPage(ctx, "Upload refused: " + e.getMessage(), e.kind().httpStatus);
          }
        });
    r.get("/challenges/{id}", ctx -> detailPage(ctx, ctx.queryParam("notice"), 200));
    r.get("/challenges/{id}/download", ctx -> ChallengeRoutes.download(ctx, library));
    r.post(
        "/challenges/{id}/edit",
        ctx -> {
          String id = ctx.pathParam("id");
          try {
            library.edit(
                id,
                new MetadataEdit(
                    ctx.formParam("title"),
                    ctx.formParam("description"),
                    ctx.formParam("environment"),
                    minutes(ctx.formParam("durationMinutes"))));
            Gate.audit(ctx, "challenge.edit", "challenge " + id, ctx.formParam("title"));
            ctx.redirect("/challenges/" + id + "?notice=" + enc("Saved."), HttpStatus.SEE_OTHER);
          } catch (ProblemException e) {
            if (e.kind() == ProblemException.Kind.NOT_FOUND) {
              throw e;
            }
            detailPage(ctx, "Not saved: " + e.getMessage(), e.kind().httpStatus);
          }
        });
    r.post(
        "/challenges/{id}/delete",
        ctx -> {
          Challenge c = library.get(ctx.pathParam("id"));
          library.delete(c.id());
          Gate.audit(ctx, "challenge.delete", "challenge " + c.id(), c.title());
          ctx.redirect(
              "/challenges?notice="
                  + enc("Deleted “" + c.title() + "”. Interviews already using it keep working."),
              HttpStatus.SEE_OTHER);
        });
  }

  private void listPage(Context ctx, String notice, int status) {
    ChallengeLibrary.Sort sort = ChallengeLibrary.Sort.parse(ctx.queryParam("sort"));
    List<LibraryModels.Sort> sorts =
        Stream.of(
                ChallengeLibrary.Sort.NEWEST,
                ChallengeLibrary.Sort.MOST_USED,
                ChallengeLibrary.Sort.RECENTLY_USED)
            .map(
                s ->
                    new LibraryModels.Sort(
                        s.wireName(),
                        switch (s) {
                          case NEWEST -> "Newest";
                          case MOST_USED -> "Most used";
                          case RECENTLY_USED -> "Recently used";
                          case TITLE -> "Title";
                        },
                        s == sort))
            .toList();
    var limits = library.limits();
    render(
        ctx,
        status,
        "challenges.jte",
        new ListPage(
            library.library(sort).stream().map(Card::of).toList(),
            sorts,
            library.broken(),
            notice,
            library.storeDescription(),
            (limits.maxFileBytes() >> 20)
                + " MB a file, "
                + (limits.maxTotalBytes() >> 20)
                + " MB in all; no links or device files"));
  }

  private void detailPage(Context ctx, String notice, int status) {
    Challenge c = library.get(ctx.pathParam("id"));
    if (c.deleted()) {
      throw ProblemException.notFound("challenge '" + c.id() + "' was deleted");
    }
    String file = ctx.queryParam("file");
    render(
        ctx,
        status,
        "challenge.jte",
        new DetailPage(
            Card.of(c),
            c.description(),
            library.fileList(c.id()),
            file == null ? null : library.preview(c.id(), file),
            notice));
  }

  private static Integer minutes(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      throw ProblemException.badInput("durationMinutes", "duration must be a whole number");
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private void render(Context ctx, int status, String template, Object model) {
    pages.render(ctx, status, template, model);
  }
}
