package dev.prequel.challenge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where challenges' files are kept: a local folder or an S3-compatible bucket. Knows files, not
 * manifests; {@link ChallengeLibrary} reads meaning into them. Paths are relative, with '/'.
 */
public interface ChallengeStore {

  /** Where, for people: {@code folder /srv/challenges}, {@code s3://bucket/prefix/}. */
  String describe();

  /** Every stored challenge's id, sorted. */
  List<String> ids() throws IOException;

  /** The files of a challenge, sorted by path; empty when there is no such challenge. */
  List<StoredFile> files(String id) throws IOException;

  /** One file's content, or empty when it does not exist. */
  Optional<byte[]> read(String id, String path) throws IOException;

  /** Stores a challenge from a local folder, replacing whatever was stored under this id. */
  void put(String id, Path folder) throws IOException;

  /** Writes one file of an existing challenge (e.g. its edited {@code challenge.yaml}). */
  void write(String id, String path, byte[] content) throws IOException;

  /**
   * A local folder holding the challenge's files, for copying into workspaces. The folder store
   * answers with the folder itself; a remote store downloads into a cache folder it reuses while
   * the challenge does not change.
   */
  Path materialize(String id) throws IOException;

  /** A file of a stored challenge. */
  record StoredFile(String path, long size) {}
}
