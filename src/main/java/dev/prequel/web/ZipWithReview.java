package dev.prequel.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The zip of a snapshot with the interviewers' review beside the candidate's folder: {@code {id}/…}
 * as the archive gives it, then {@code {id}-review/notes.md} and {@code scorecard.json} (a folder
 * the candidate's files can never be in, so nothing of theirs is hidden or replaced).
 */
final class ZipWithReview {

  /** Writes a zip of the archive's own to {@code out}. */
  @FunctionalInterface
  interface ArchiveZip {
    void writeTo(OutputStream out) throws IOException;
  }

  private ZipWithReview() {}

  static void write(OutputStream out, ArchiveZip archive, String folder, Map<String, byte[]> review)
      throws IOException {
    // The archive finishes its zip itself, so it is copied entry by entry from a scratch file
    // (created 0600), not buffered in memory: a snapshot may hold 50 MB.
    Path scratch = Files.createTempFile("prequel-zip-", ".zip");
    try {
      try (OutputStream file = Files.newOutputStream(scratch)) {
        archive.writeTo(file);
      }
      ZipOutputStream zip = new ZipOutputStream(out);
      try (InputStream in = Files.newInputStream(scratch);
          ZipInputStream entries = new ZipInputStream(in)) {
        for (ZipEntry e = entries.getNextEntry(); e != null; e = entries.getNextEntry()) {
          ZipEntry copy = new ZipEntry(e.getName());
          if (e.getLastModifiedTime() != null) {
            copy.setLastModifiedTime(e.getLastModifiedTime());
          }
          zip.putNextEntry(copy);
          entries.transferTo(zip);
          zip.closeEntry();
        }
      }
      for (Map.Entry<String, byte[]> file : review.entrySet()) {
        zip.putNextEntry(new ZipEntry(folder + "/" + file.getKey()));
        zip.write(file.getValue());
        zip.closeEntry();
      }
      zip.finish();
    } finally {
      Files.deleteIfExists(scratch);
    }
  }
}
