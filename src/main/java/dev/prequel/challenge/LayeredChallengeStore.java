package dev.prequel.challenge;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The challenges shipped with Prequel (the repository's {@code challenges/} folder), read-only,
 * under the ones users upload or edit, which go to a writable store (the data folder). A challenge
 * is read whole from one layer: the writable one when it holds the id, else the shipped one.
 * Editing a shipped challenge first copies it into the writable layer, so the checkout stays as git
 * has it ({@code git status} clean after using the portal).
 */
public final class LayeredChallengeStore implements ChallengeStore {

  private final ChallengeStore writable;
  private final ChallengeStore shipped;

  public LayeredChallengeStore(ChallengeStore writable, ChallengeStore shipped) {
    this.writable = writable;
    this.shipped = shipped;
  }

  @Override
  public String describe() {
    return writable.describe() + ", over the shipped " + shipped.describe() + " (read-only)";
  }

  @Override
  public List<String> ids() throws IOException {
    TreeSet<String> ids = new TreeSet<>(shipped.ids());
    ids.addAll(writable.ids());
    return List.copyOf(ids);
  }

  @Override
  public List<StoredFile> files(String id) throws IOException {
    return layerOf(id).files(id);
  }

  @Override
  public Optional<byte[]> read(String id, String path) throws IOException {
    return layerOf(id).read(id, path);
  }

  @Override
  public void put(String id, Path folder) throws IOException {
    writable.put(id, folder);
  }

  @Override
  public void write(String id, String path, byte[] content) throws IOException {
    if (!holds(writable, id) && holds(shipped, id)) {
      writable.put(id, shipped.materialize(id)); // copy on first write
    }
    writable.write(id, path, content);
  }

  @Override
  public Path materialize(String id) throws IOException {
    return layerOf(id).materialize(id);
  }

  private ChallengeStore layerOf(String id) throws IOException {
    return holds(writable, id) ? writable : shipped;
  }

  private static boolean holds(ChallengeStore store, String id) throws IOException {
    return !store.files(id).isEmpty();
  }
}
