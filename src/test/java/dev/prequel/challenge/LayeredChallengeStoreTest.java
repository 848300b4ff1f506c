package dev.prequel.challenge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestPrequel;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data folder's challenges over the shipped ones: behaves like any store, and never writes to
 * the shipped folder; a challenge uploaded through the portal leaves a checkout's {@code git
 * status} clean (issue 12 §6).
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

  @Test
  void uploadingThroughThePortalLeavesTheCheckoutsGitStatusClean(@TempDir Path tmp)
      throws Exception {
    // given a checkout as a user has it: the shipped challenges committed in git, and a data folder
    Path checkout = Files.createDirectories(tmp.resolve("checkout"));
    Path shipped = checkout.resolve("challenges");
    copy(Path.of("challenges"), shipped);
    git(checkout, "init", "-q");
    git(checkout, "add", "challenges");
    git(
        checkout,
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@prequel.test",
        "commit",
        "-qm",
        "x");
    assertThat(git(checkout, "status", "--porcelain")).isEmpty();
    Path dataDir = tmp.resolve("data");

    // when a user uploads a challenge through the portal's upload path
    try (TestPrequel p =
        TestPrequel.start(dataDir, Map.of("PREQUEL_CHALLENGES_DIR", shipped.toString()))) {
      Path zip =
          zip(
              tmp,
              Map.of(
                  "challenge.yaml",
                  MANIFEST.formatted("portal-upload", "Uploaded"),
                  "README.md",
                  "# Uploaded\n"));
      HttpResponse<String> r = upload(p, zip);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      assertThat(p.json(r).path("id").asText()).isEqualTo("portal-upload");
    }

    // then the upload is in the data folder, and git sees nothing changed in the checkout
    assertThat(dataDir.resolve("challenges/portal-upload/challenge.yaml")).exists();
    assertThat(git(checkout, "status", "--porcelain", "--untracked-files=all")).isEmpty();
  }

  /** A multipart POST as the portal's upload form sends it (with its X-Requested-With header). */
  private static HttpResponse<String> upload(TestPrequel p, Path zip) throws Exception {
    String boundary = "----prequel" + System.nanoTime();
    var body = new java.io.ByteArrayOutputStream();
    body.write(
        ("--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.zip\""
                + "\r\nContent-Type: application/zip\r\n\r\n")
            .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(zip));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(p.uri("/api/v1/challenges"))
                .timeout(TestPrequel.ANSWER_TIMEOUT)
                .header("Authorization", TestAuth.basic())
                .header("X-Requested-With", "test")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path f : walk.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }

  /** Runs git in the folder and returns what it printed; fails the test when git fails. */
  private static String git(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(git.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(git.exitValue()).as("git %s: %s", command, out).isZero();
    return out.strip();
  }
}
