package dev.prequel.seat;

import dev.prequel.archive.FileChange;
import dev.prequel.runtime.TerminalHistory;
import java.time.Instant;
import java.util.List;

/**
 * What the interviewer's seat shows at one moment: the workspace's files, the file they opened, and
 * what changed since the start.
 *
 * @param running whether the workspace had files at the last look (false: not started yet, or gone)
 * @param version grows each time something the seat shows changed
 * @param lookedAt when the workspace was last listed; null before the first look
 * @param files every file, the start's deleted ones included, by path
 * @param opened the file asked for, or null
 * @param changes how each file differs from the challenge's starting files
 * @param commands the latest command lines the workspace's terminals ran, oldest first, as the
 *     candidate's own shell recorded them ({@link TerminalHistory}: the candidate can turn it off)
 * @param notice why the seat shows less than everything (a bound reached, a failed look), or null
 */
public record SeatView(
    String interviewId,
    boolean running,
    long version,
    Instant lookedAt,
    List<Entry> files,
    Opened opened,
    List<FileChange> changes,
    List<TerminalHistory.Command> commands,
    String notice) {

  /** How a file stands against the start. */
  public enum State {
    UNCHANGED,
    ADDED,
    MODIFIED,
    DELETED;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public record Entry(String path, long size, State state) {}

  /**
   * The file the interviewer opened.
   *
   * @param text the file's text, or null when it is not shown
   * @param why why it is not shown (binary, too large), or null
   */
  public record Opened(String path, String text, String why) {}
}
