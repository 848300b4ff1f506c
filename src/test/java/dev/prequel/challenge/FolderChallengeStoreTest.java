package dev.prequel.challenge;

import java.nio.file.Path;

class FolderChallengeStoreTest extends ChallengeStoreContract {

  @Override
  ChallengeStore newStore(Path data) {
    return new FolderChallengeStore(data.resolve("challenges"));
  }
}
