package dev.prequel.web;

import dev.prequel.archive.SnapshotFile;
import java.util.List;

/** What the archive page's templates show; built by {@link SnapshotRoutes}. */
public final class ArchiveModels {

  private ArchiveModels() {}

  /** A value for a URL query parameter. */
  public static String q(String value) {
    return java.net.URLEncoder.encode(
        value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** One snapshot in the timeline. */
  public record TimelineEntry(
      String id,
      String shortId,
      String takenAt,
      String reason,
      int fileCount,
      long bytes,
      boolean selected,
      boolean comparedFrom) {}

  /** The timeline part of the page (re-fetched while the interview is live). */
  public record Timeline(
      String interviewId,
      boolean live,
      List<TimelineEntry> entries,
      String selectedId,
      String fromId,
      String previousId,
      String nextId) {}

  /** One line of a unified diff and its CSS class ({@code add}, {@code del}, {@code hunk}, ...). */
  public record DiffLine(String css, String text) {}

  public record DiffView(String change, String path, List<DiffLine> lines) {}

  public record ArchivePage(
      String interviewId,
      String candidateName,
      String status,
      boolean ended,
      boolean waitingForArchive,
      Timeline timeline,
      List<SnapshotFile> files,
      List<String> leftOut,
      List<String> skippedFolders,
      String previewPath,
      String previewText,
      String fromLabel,
      String toLabel,
      List<DiffView> diff) {

    public boolean hasSnapshots() {
      return !timeline.entries().isEmpty();
    }
  }
}
