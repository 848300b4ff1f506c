package dev.prequel.challenge;

import java.util.List;
import java.util.Optional;

/** Where challenges come from. */
public interface ChallengeCatalog {

  /** Every usable challenge, ordered by title. */
  List<Challenge> list();

  Optional<Challenge> find(String id);
}
