package dev.prequel.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the candidate ran in the workspace's terminals, without reading a keystroke: the terminals'
 * bash is started with {@link #SHELL_ENVIRONMENT} (through code-server's {@code
 * terminal.integrated.env.linux} setting, on every runtime), so it appends each command line, with
 * its time, to {@link #FILE} when the command ends ({@code history -a} before each prompt). The
 * interviewer's seat reads the end of that file through {@link WorkspaceRuntime#terminalHistory},
 * as the workspace's user. It is the candidate's shell and the candidate's file: they can turn it
 * off ({@code unset PROMPT_COMMAND} or {@code unset HISTFILE}), leave a command out with a leading
 * space, or edit the file; the seat shows it as a courtesy, never as evidence.
 */
public final class TerminalHistory {

  /**
   * Where the history is: bash's own place ({@code $HOME/.bash_history}), and HOME is {@code
   * /home/candidate} in every runtime's workspace. Not set as {@code HISTFILE}: a workspace without
   * a sandbox has another HOME, where the same default works.
   */
  public static final String FILE = "/home/candidate/.bash_history";

  /** How much of the file's end the seat reads (the latest commands). */
  public static final int MAX_BYTES = 64 * 1024;

  /** How long reading it may take before it is given up (a FIFO in its place never ends). */
  public static final int MAX_SECONDS = 5;

  /** Each terminal's bash gets these: append each command line, with its time, as it ends. */
  public static final Map<String, String> SHELL_ENVIRONMENT =
      Map.of(
          // set: bash writes each entry's time ("#1764669600") above it in the file
          "HISTTIMEFORMAT", "%F %T ",
          // a command typed with a leading space stays out of the file, as the seat page says
          "HISTCONTROL", "ignorespace",
          "PROMPT_COMMAND", "history -a");

  /** One command line and when it was run (null when the file does not say). */
  public record Command(Instant at, String line) {}

  private TerminalHistory() {}

  /**
   * The command that prints the file's end, as the workspace's user where it runs: {@code tail}
   * seeks to the end, so a huge file costs no more than a small one. Anything but a regular file (a
   * FIFO would block the seat's looker until the deadline) is not opened; the deadline covers the
   * race of one swapped in meanwhile.
   */
  public static List<String> tailCommand() {
    return List.of(
        "/bin/sh",
        "-c",
        // the path is an argument ($1), never spliced into the script
        "[ -f \"$1\" ] && [ ! -p \"$1\" ] || exit 1; exec timeout -k 1 "
            + MAX_SECONDS
            + "s tail -c "
            + MAX_BYTES
            + " -- \"$1\"",
        "sh",
        FILE);
  }

  /**
   * The commands in the end of a history file: {@code #<seconds>} lines give the next entry's time;
   * the rest are command lines (a multi-line command is kept as one entry, its lines joined). When
   * {@code tail} is a cut end (as long as {@link #MAX_BYTES}), its first, partial line is left out.
   */
  public static List<Command> parse(byte[] tail) {
    String text = new String(tail, StandardCharsets.UTF_8);
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    if (tail.length >= MAX_BYTES && !lines.isEmpty()) {
      lines.remove(0);
    }
    List<Command> commands = new ArrayList<>();
    Instant at = null;
    StringBuilder entry = null;
    for (String line : lines) {
      Instant time = time(line);
      if (time != null) {
        if (entry != null) {
          commands.add(new Command(at, entry.toString()));
        }
        at = time;
        entry = null;
        continue;
      }
      if (line.isEmpty()) {
        continue;
      }
      if (entry == null || at == null) {
        if (entry != null) {
          commands.add(new Command(null, entry.toString()));
        }
        entry = new StringBuilder(line);
      } else {
        entry.append('\n').append(line); // a command of several lines (bash's lithist)
      }
    }
    if (entry != null) {
      commands.add(new Command(at, entry.toString()));
    }
    return commands;
  }

  /** The time of a {@code #<seconds>} line, or null when the line is a command. */
  private static Instant time(String line) {
    if (line.length() < 2 || line.length() > 12 || line.charAt(0) != '#') {
      return null;
    }
    for (int i = 1; i < line.length(); i++) {
      if (line.charAt(i) < '0' || line.charAt(i) > '9') {
        return null;
      }
    }
    return Instant.ofEpochSecond(Long.parseLong(line.substring(1)));
  }
}
