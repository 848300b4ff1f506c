package dev.prequel.archive;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot's description, kept as its commit message in git's trailer style so that {@code git
 * log} in the archive reads well too:
 *
 * <pre>
 * final snapshot
 *
 * Taken-At: 2026-03-02T09:41:00.123Z
 * Files: 12
 * Bytes: 3456
 * Left-Out: data/big.csv (52428800 bytes): over the 50 MiB snapshot cap
 * Skipped-Folder: node_modules
 * </pre>
 */
final class Manifest {

  private Manifest() {}

  static String write(Snapshot s) {
    StringBuilder m = new StringBuilder();
    m.append(s.reason()).append(" snapshot\n\n");
    m.append("Taken-At: ").append(s.takenAt()).append('\n');
    m.append("Files: ").append(s.fileCount()).append('\n');
    m.append("Bytes: ").append(s.bytes()).append('\n');
    s.leftOut().forEach(l -> m.append("Left-Out: ").append(oneLine(l)).append('\n'));
    s.skippedFolders().forEach(f -> m.append("Skipped-Folder: ").append(oneLine(f)).append('\n'));
    return m.toString();
  }

  static Snapshot read(String id, String message, Instant commitTime) {
    String[] lines = message.split("\n", -1);
    String reason = lines[0].replaceFirst(" snapshot$", "").strip();
    Instant takenAt = commitTime;
    int files = 0;
    long bytes = 0;
    List<String> leftOut = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (String line : lines) {
      int colon = line.indexOf(": ");
      if (colon < 0) {
        continue;
      }
      String value = line.substring(colon + 2);
      try {
        switch (line.substring(0, colon)) {
          case "Taken-At" -> takenAt = Instant.parse(value);
          case "Files" -> files = Integer.parseInt(value);
          case "Bytes" -> bytes = Long.parseLong(value);
          case "Left-Out" -> leftOut.add(value);
          case "Skipped-Folder" -> skipped.add(value);
          default -> {}
        }
      } catch (NumberFormatException | DateTimeParseException e) {
        // a damaged line: keep what can be read
      }
    }
    return new Snapshot(
        id, takenAt, reason, files, bytes, List.copyOf(leftOut), List.copyOf(skipped));
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }
}
