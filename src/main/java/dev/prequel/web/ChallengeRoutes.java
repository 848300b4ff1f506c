package dev.prequel.web;

import dev.prequel.challenge.ChallengeArchive;
import dev.prequel.challenge.ChallengeLibrary;
import dev.prequel.error.ProblemException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The challenge library's JSON API under /api/v1/challenges. Uploads are multipart: a zip in {@code
 * file}, or a folder's files in {@code files} with their relative paths in {@code paths}.
 */
final class ChallengeRoutes {

  private final ChallengeLibrary library;
  private final Path scratch;

  ChallengeRoutes(ChallengeLibrary library, Path scratch) {
    this.library = library;
    this.scratch = scratch;
  }

  void register(RoutesConfig r) {
    r.get(
        "/api/v1/challenges",
        ctx ->
            ApiRoutes.json(
                ctx,
                200,
                library.library(ChallengeLibrary.Sort.parse(ctx.queryParam("sort"))).stream()
                    .map(ChallengeJson::of)
                    .toList()));
    r.get("/api/v1/challenge-problems", ctx -> ApiRoutes.json(ctx, 200, library.broken()));
    r.post(
        "/api/v1/challenges",
        ctx -> {
          var added = upload(ctx, library, scratch);
          Gate.audit(ctx, "challenge.upload", "challenge " + added.id(), added.title());
          ctx.header("Location", "/api/v1/challenges/" + added.id());
          ApiRoutes.json(ctx, 201, ChallengeJson.of(added));
        });
    r.get(
        "/api/v1/challenges/{id}",
        ctx -> ApiRoutes.json(ctx, 200, ChallengeJson.of(library.get(ctx.pathParam("id")))));
    r.get(
        "/api/v1/challenges/{id}/files",
        ctx -> ApiRoutes.json(ctx, 200, library.fileList(ctx.pathParam("id"))));
    r.get("/api/v1/challenges/{id}/download", ctx -> download(ctx, library));
    r.delete(
        "/api/v1/challenges/{id}",
        ctx -> {
          library.delete(ctx.pathParam("id"));
          Gate.audit(ctx, "challenge.delete", "challenge " + ctx.pathParam("id"), null);
          ctx.status(204);
        });
  }

  /** Adds the uploaded zip or folder to the library. */
  static dev.prequel.challenge.Challenge upload(
      Context ctx, ChallengeLibrary library, Path scratch) {
    UploadedFile zip = ctx.uploadedFile("file");
    if (zip != null && zip.size() > 0) {
      Path tmp = null;
      try {
        Files.createDirectories(scratch);
        tmp = Files.createTempFile(scratch, "upload-", ".zip");
        try (InputStream in = zip.content()) {
          Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        return library.addZip(tmp);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        deleteQuietly(tmp);
      }
    }
    List<UploadedFile> files = ctx.uploadedFiles("files");
    List<String> paths = ctx.formParams("paths");
    if (files.isEmpty()) {
      throw ProblemException.badInput(
          "file", "choose a zip file (field 'file') or a folder (fields 'files' and 'paths')");
    }
    List<ChallengeArchive.UploadedFile> parts = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      UploadedFile f = files.get(i);
      String path = i < paths.size() && !paths.get(i).isBlank() ? paths.get(i) : f.filename();
      parts.add(
          new ChallengeArchive.UploadedFile() {
            @Override
            public String path() {
              return path;
            }

            @Override
            public long size() {
              return f.size();
            }

            @Override
            public InputStream open() {
              return f.content();
            }
          });
    }
    return library.addFolder(parts);
  }

  static void download(Context ctx, ChallengeLibrary library) throws IOException {
    String id = ctx.pathParam("id");
    library.get(id); // 404 before any bytes are sent
    ctx.status(200)
        .contentType("application/zip")
        .header("Content-Disposition", "attachment; filename=\"" + id + ".zip\"");
    library.writeZip(id, ctx.outputStream());
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // a leftover temp file in the scratch folder; harmless
      }
    }
  }
}
