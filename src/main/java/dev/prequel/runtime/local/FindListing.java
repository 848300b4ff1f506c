package dev.prequel.runtime.local;

import dev.prequel.runtime.WorkspaceFile;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads {@code find -printf '%s %T@ %C@ %P\0'}: one record per regular file, its size, modification
 * and change times, and its name, ended by a NUL. The stream is the candidate's to shape (names may
 * hold spaces, newlines, bytes that are no UTF-8): a record that does not parse is left out, and
 * the bounds stop a listing that would not end.
 */
final class FindListing {

  /** Longer than any path Linux lets a process name (PATH_MAX is 4096) plus the three numbers. */
  private static final int MAX_RECORD = 4096 + 100;

  private FindListing() {}

  /** Hands each file to {@code out}; returns why the listing was cut, or empty when whole. */
  static Optional<String> read(
      InputStream raw, WorkspaceFiles.Bounds bounds, Consumer<WorkspaceFile> out)
      throws IOException {
    InputStream in = new BufferedInputStream(raw, 64 * 1024);
    ByteArrayOutputStream record = new ByteArrayOutputStream();
    long bytes = 0;
    int files = 0;
    boolean tooLong = false;
    for (int b; (b = in.read()) != -1; ) {
      if (++bytes > bounds.maxBytes()) {
        return Optional.of("the listing is longer than " + bounds.maxBytes() + " bytes");
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
          if (++files > bounds.maxEntries()) {
            return Optional.of("the workspace holds more than " + bounds.maxEntries() + " files");
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
