package dev.prequel.challenge;

import dev.prequel.error.ProblemException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks a zip's central directory against limits before anything reads it whole: a parser that
 * builds an entry for every record (as {@code ZipFile} does) would otherwise take memory for as
 * many entries as the file declares or holds, up to millions in an upload of 100 MB.
 *
 * <p>The walk starts where commons-compress's {@code ZipFile} starts ({@code max(offset declared,
 * end record - size declared)}) and, like it, goes on while records carry the central directory's
 * signature, so it counts exactly the records that {@code ZipFile} would read, in constant memory.
 */
final class ZipDirectory {

  private static final int END_SIGNATURE = 0x06054b50;
  private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
  private static final int ENTRY_SIGNATURE = 0x02014b50;
  private static final int END_SIZE = 22;
  private static final int ENTRY_SIZE = 46;
  private static final int MAX_COMMENT = 0xffff;

  private ZipDirectory() {}

  /** Refuses the zip when its central directory holds more entries or bytes than allowed. */
  static void check(Path zip, int maxEntries, long maxBytes) throws IOException {
    try (SeekableByteChannel in = Files.newByteChannel(zip)) {
      long size = in.size();
      long end = findEnd(in, size);
      if (end >= 20 && readInt(in, end - 20) == ZIP64_LOCATOR_SIGNATURE) {
        throw refused(
            "it is a ZIP64 archive; a challenge never needs one (at most "
                + maxEntries
                + " entries): zip it again without ZIP64");
      }
      ByteBuffer record = read(in, end, END_SIZE);
      int declaredEntries = Short.toUnsignedInt(record.getShort(10));
      long declaredBytes = Integer.toUnsignedLong(record.getInt(12));
      long declaredOffset = Integer.toUnsignedLong(record.getInt(16));
      if (declaredEntries > maxEntries) {
        throw tooMany(declaredEntries + " entries", maxEntries);
      }
      if (declaredBytes > maxBytes) {
        throw refused(
            "its table of contents is larger than " + (maxBytes >> 20) + " MB; too many entries");
      }
      long position = Math.max(declaredOffset, end - declaredBytes);
      long walked = 0;
      int entries = 0;
      while (position + ENTRY_SIZE <= size && readInt(in, position) == ENTRY_SIGNATURE) {
        ByteBuffer entry = read(in, position, ENTRY_SIZE);
        long length =
            (long) ENTRY_SIZE
                + Short.toUnsignedInt(entry.getShort(28))
                + Short.toUnsignedInt(entry.getShort(30))
                + Short.toUnsignedInt(entry.getShort(32));
        entries++;
        walked += length;
        if (entries > maxEntries) {
          throw tooMany("more than " + maxEntries + " entries", maxEntries);
        }
        if (walked > maxBytes) {
          throw refused(
              "its table of contents is larger than " + (maxBytes >> 20) + " MB; too many entries");
        }
        position += length;
      }
    }
  }

  /** Where the end record starts: the last signature in the final 64 KiB, as ZipFile looks. */
  private static long findEnd(SeekableByteChannel in, long size) throws IOException {
    if (size < END_SIZE) {
      throw ProblemException.badInput("file", "the upload is not a readable zip file");
    }
    long stop = Math.max(0, size - END_SIZE - MAX_COMMENT);
    int length = (int) (size - stop);
    ByteBuffer tail = read(in, stop, length);
    for (int at = length - END_SIZE; at >= 0; at--) {
      if (tail.getInt(at) == END_SIGNATURE) {
        return stop + at;
      }
    }
    throw ProblemException.badInput(
        "file", "the upload is not a readable zip file (no end of central directory)");
  }

  private static int readInt(SeekableByteChannel in, long position) throws IOException {
    return read(in, position, 4).getInt(0);
  }

  private static ByteBuffer read(SeekableByteChannel in, long position, int length)
      throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    in.position(position);
    while (buffer.hasRemaining()) {
      if (in.read(buffer) < 0) {
        throw ProblemException.badInput(
            "file", "the upload is not a readable zip file (cut short)");
      }
    }
    return buffer;
  }

  private static ProblemException tooMany(String what, int max) {
    return refused("it holds " + what + "; an upload may hold at most " + max);
  }

  private static ProblemException refused(String why) {
    return ProblemException.badInput("file", "the zip is refused: " + why);
  }
}
