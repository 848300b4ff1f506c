package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A class longer than a screenful of responsibilities is two classes (issue 12: LocalRuntime had
 * grown to 853 lines and seven concerns before anyone split it). The limit holds for every source
 * file of Prequel itself; tests are not counted.
 */
class ClassSizeTest {

  private static final int MAX_LINES = 400;

  @Test
  void noSourceFileOfPrequelIsLongerThan400Lines() throws IOException {
    Path sources = Path.of("src", "main", "java");
    List<String> tooLong;
    try (Stream<Path> files = Files.walk(sources)) {
      tooLong =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> lines(f) > MAX_LINES)
              .map(f -> sources.relativize(f) + " (" + lines(f) + " lines)")
              .sorted()
              .toList();
    }
    assertThat(tooLong)
        .as("split these along their seams (a concern of their own per class)")
        .isEmpty();
  }

  private static long lines(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
