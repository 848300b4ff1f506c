package dev.prequel.runtime;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The cheap listing every runtime gives {@link WorkspaceRuntime#listFiles}: GNU {@code find}, run
 * as the workspace's user where the workspace is (in the local sandbox, by an exec in a container
 * or pod), printing {@code '%s %T@ %C@ %P\0'} for each regular file: its size, modification and
 * change times, and its name, ended by a NUL. Links are not followed (find's default) and nothing
 * is read, so a listing costs a walk of names, never the files' bytes.
 *
 * <p>The stream is the candidate's to shape (names may hold spaces, newlines, bytes that are no
 * UTF-8): a record that does not parse is left out, and the bounds stop a listing that would not
 * end.
 */
public final class FindListing {

  /** The most files a listing hands over; past it the listing says it was cut. */
  public static final int MAX_FILES = 20_000;

  /** The most bytes of listing read (20,000 long names fit). */
  public static final long MAX_BYTES = 64L * 1024 * 1024;

  /** How long a listing, or a read of the files it named, may run before it is killed. */
  public static final Duration MAX_TIME = Duration.ofSeconds(20);

  /** Longer than any path Linux lets a process name (PATH_MAX is 4096) plus the three numbers. */
  private static final int MAX_RECORD = 4096 + 100;

  private FindListing() {}

  /**
   * The command line: {@code find} (a path to it, or its name) over {@code root}, not crossing into
   * other file systems, not looking below a folder named in {@code excludedNames}.
   */
  public static List<String> command(String find, String root, Set<String> excludedNames) {
    List<String> command = new ArrayList<>(List.of(find, root, "-xdev"));
    if (!excludedNames.isEmpty()) {
      command.addAll(List.of("(", "-type", "d", "("));
      for (String name : excludedNames) {
        command.addAll(List.of("-name", escapeWildcards(name), "-o"));
      }
      command.set(command.size() - 1, ")");
      command.addAll(List.of("-prune", ")", "-o"));
    }
    // size, modification and change times (the last one no candidate can set back), name; each
    // record ends in a NUL, the one byte no name can hold
    command.addAll(List.of("-type", "f", "-printf", "%s %T@ %C@ %P\\0"));
    return command;
  }

  /** find's {@code -name} and tar's exclude patterns are wildcards; a name is matched as it is. */
  public static String escapeWildcards(String name) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /** {@link #read(InputStream, int, long, Consumer)} within the seat's bounds. */
  public static Optional<String> read(InputStream raw, Consumer<WorkspaceFile> out)
      throws IOException {
    return read(raw, MAX_FILES, MAX_BYTES, out);
  }

  /** Hands each file to {@code out}; returns why the listing was cut, or empty when whole. */
  public static Optional<String> read(
      InputStream raw, int maxFiles, long maxBytes, Consumer<WorkspaceFile> out)
      throws IOException {
    InputStream in = new BufferedInputStream(raw, 64 * 1024);
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    long bytes = 0;
    int files = 0;
    boolean tooLong = false;
    for (int b; (b = in.read()) != -1; ) {
      if (++bytes > maxBytes) {
        return Optional.of("the listing is longer than " + maxBytes + " bytes");
      }
      if (b != 0) {
        if (record.size() < MAX_RECORD) {
          record.write(b);
        } else {
          tooLong = true;
        }
        continue;
      }
      if (!tooLong) {
        Optional<WorkspaceFile> file = parse(record.toString(StandardCharsets.UTF_8));
        if (file.isPresent()) {
          if (++files > maxFiles) {
            return Optional.of("the workspace holds more than " + maxFiles + " files");
          }
          out.accept(file.get());
        }
      }
      record.reset();
      tooLong = false;
    }
    return Optional.empty();
  }

  /** One record, or empty when it is not one this listing could have made. */
  static Optional<WorkspaceFile> parse(String record) {
    int first = record.indexOf(' ');
    int second = first < 0 ? -1 : record.indexOf(' ', first + 1);
    int third = second < 0 ? -1 : record.indexOf(' ', second + 1);
    if (third < 0) {
      return Optional.empty();
    }
    String path = record.substring(third + 1);
    long size;
    try {
      size = Long.parseLong(record.substring(0, first));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (path.isEmpty()
        || path.startsWith("/")
        || size < 0
        || List.of(path.split("/", -1)).stream().anyMatch(p -> p.isEmpty() || p.equals(".."))) {
      return Optional.empty();
    }
    return Optional.of(new WorkspaceFile(path, size, record.substring(0, third)));
  }
}
