package dev.prequel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The seat's listing as find prints it, with names a candidate picks to confuse it. */
class FindListingTest {

  private static final int MAX_FILES = 3;

  @Test
  void namesWithSpacesNewlinesAndFakeRecordsInsideThemStayOneFileEach() throws Exception {
    // Given a name holding a newline and what looks like another record
    String listing =
        "12 1764669600.1234567890 1764669600.2 src/my notes.md\0"
            + "3 1764669601.0 1764669601.0 evil\n99 1 1 /etc/shadow\0";

    List<WorkspaceFile> files = read(listing);

    assertThat(files)
        .extracting(WorkspaceFile::path)
        .containsExactly("src/my notes.md", "evil\n99 1 1 /etc/shadow");
    assertThat(files.get(0).size()).isEqualTo(12);
    assertThat(files.get(0).version()).isEqualTo("12 1764669600.1234567890 1764669600.2");
  }

  @Test
  void recordsThatFindCouldNotHaveMadeAreLeftOut() throws Exception {
    String listing = "x 1 1 a.txt\0" + "1 1 1 ../up.txt\0" + "1 1 1 /abs\0" + "1 1\0" + "1 1 1 \0";

    assertThat(read(listing)).isEmpty();
  }

  @Test
  void aListingPastItsBoundsStopsAndSaysWhy() throws Exception {
    String listing = "1 1 1 a\0" + "1 1 1 b\0" + "1 1 1 c\0" + "1 1 1 d\0";
    List<WorkspaceFile> files = new ArrayList<>();

    Optional<String> cut =
        FindListing.read(
            new ByteArrayInputStream(listing.getBytes(StandardCharsets.UTF_8)),
            MAX_FILES,
            10_000,
            files::add);

    assertThat(cut).hasValueSatisfying(why -> assertThat(why).contains("more than 3 files"));
    assertThat(files).hasSize(3);
  }

  private static List<WorkspaceFile> read(String listing) throws Exception {
    List<WorkspaceFile> files = new ArrayList<>();
    assertThat(
            FindListing.read(
                new ByteArrayInputStream(listing.getBytes(StandardCharsets.UTF_8)),
                MAX_FILES,
                10_000,
                files::add))
        .isEmpty();
    return files;
  }
}
