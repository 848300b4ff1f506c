package dev.prequel.challenge;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Challenges as interviews use them. {@link ChallengeLibrary} is the implementation. */
public interface ChallengeCatalog {

  /** The challenges offered for new interviews (valid, not deleted), ordered by title. */
  List<Challenge> list();

  /**
   * A challenge by id, soft-deleted ones included: interviews created before the deletion keep
   * working. Check {@link Challenge#deleted()} before offering it.
   */
  Optional<Challenge> find(String id);

  /** A local folder holding the challenge's files (soft-deleted ones too), for a workspace. */
  Path files(String id) throws IOException;

  /** Counts an interview created with this challenge. */
  void recordUse(String id, Instant at);
}
