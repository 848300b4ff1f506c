package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The data folder's challenges over the shipped ones: behaves like any store, and never writes to
 * the shipped folder.
 */
class LayeredChallengeStoreTest extends ChallengeStoreContract {

  Path shippedDir;

  @Override
  ChallengeStore newStore(Path data) throws Exception {
    shippedDir = data.resolve("shipped");
    Files.createDirectories(shippedDir);
    return new LayeredChallengeStore(
        new FolderChallengeStore(data.resolve("data-challenges")),
        new FolderChallengeStore(shippedDir));
  }

  /** Every file under the folder with its content, to compare before and after. */
  private static Map<Path, String> contents(Path dir) throws Exception {
    try (Stream<Path> walk = Files.walk(dir)) {
      var files = new java.util.TreeMap<Path, String>();
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(dir.relativize(p), Files.readString(p, StandardCharsets.UTF_8));
      }
      return files;
    }
  }

  @Test
  void uploadingAndEditingThroughTheLibraryLeavesTheShippedFolderAsItWas() throws Exception {
    // given a shipped challenge
    Path shippedOne = shippedDir.resolve("shipped-one");
    Files.createDirectories(shippedOne);
    Files.writeString(
        shippedOne.resolve("challenge.yaml"), MANIFEST.formatted("shipped-one", "Shipped"));
    Files.writeString(shippedOne.resolve("README.md"), "# Shipped\n");
    Map<Path, String> before = contents(shippedDir);

    // when a user uploads a new challenge and edits the shipped one's manifest
    library.addZip(
        zip(
            data,
            Map.of(
                "challenge.yaml",
                MANIFEST.formatted("uploaded-one", "Uploaded"),
                "README.md",
                "# Uploaded\n")));
    library.edit("shipped-one", new MetadataEdit("Edited", null, null, null));

    // then both are in the library as the user left them, and the shipped folder is unchanged
    assertThat(library.list())
        .extracting(Challenge::id, Challenge::title)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("shipped-one", "Edited"),
            org.assertj.core.groups.Tuple.tuple("uploaded-one", "Uploaded"));
    assertThat(store.read("shipped-one", "challenge.yaml"))
        .get()
        .extracting(b -> new String(b, StandardCharsets.UTF_8))
        .asString()
        .contains("Edited");
    assertThat(store.read("shipped-one", "README.md")).as("copied with the edit").isPresent();
    assertThat(contents(shippedDir)).isEqualTo(before);
  }
}
