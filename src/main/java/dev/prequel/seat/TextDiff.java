package dev.prequel.seat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.HistogramDiff;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;

/**
 * A unified diff of two versions of one file, in memory, by the same JGit code that diffs the
 * archive's snapshots (so the seat's diff reads like the review's).
 */
final class TextDiff {

  private TextDiff() {}

  /**
   * The patch from {@code before} to {@code after} (either may be null: added or deleted), with
   * {@code ---}/{@code +++} headers; "Binary files differ" when either side is binary.
   */
  static String patch(String path, byte[] before, byte[] after) {
    String from = before == null ? "/dev/null" : "a/" + path;
    String to = after == null ? "/dev/null" : "b/" + path;
    byte[] a = before == null ? new byte[0] : before;
    byte[] b = after == null ? new byte[0] : after;
    if (RawText.isBinary(a) || RawText.isBinary(b)) {
      return "Binary files " + from + " and " + to + " differ\n";
    }
    RawText oldText = new RawText(a);
    RawText newText = new RawText(b);
    EditList edits = new HistogramDiff().diff(RawTextComparator.DEFAULT, oldText, newText);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DiffFormatter formatter = new DiffFormatter(out)) {
      formatter.format(edits, oldText, newText);
    } catch (IOException e) {
      throw new UncheckedIOException("formatting into memory cannot fail", e);
    }
    return "--- " + from + "\n+++ " + to + "\n" + out.toString(StandardCharsets.UTF_8);
  }
}
