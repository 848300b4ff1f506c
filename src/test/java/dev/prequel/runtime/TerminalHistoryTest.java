package dev.prequel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The terminal history as bash writes it, and the settings that make the terminals write it. */
class TerminalHistoryTest {

  @Test
  void eachCommandComesWithTheTimeAboveItAndAMultiLineOneStaysWhole() {
    String file = "#1796212800\nls -la\n#1796212861\nfor f in *; do\n  echo \"$f\"\ndone\n";

    var commands = TerminalHistory.parse(file.getBytes(StandardCharsets.UTF_8));

    assertThat(commands)
        .containsExactly(
            new TerminalHistory.Command(Instant.parse("2026-12-02T12:00:00Z"), "ls -la"),
            new TerminalHistory.Command(
                Instant.parse("2026-12-02T12:01:01Z"), "for f in *; do\n  echo \"$f\"\ndone"));
  }

  @Test
  void linesWrittenBeforeTimesWereKeptComeEachAloneWithoutATime() {
    String file = "make\nmake test\n#1796212800\nls\n";

    var commands = TerminalHistory.parse(file.getBytes(StandardCharsets.UTF_8));

    assertThat(commands)
        .containsExactly(
            new TerminalHistory.Command(null, "make"),
            new TerminalHistory.Command(null, "make test"),
            new TerminalHistory.Command(Instant.parse("2026-12-02T12:00:00Z"), "ls"));
  }

  @Test
  void aCutEndLeavesOutItsFirstPartialLine() {
    String partial = "tail of an older command\n#1796212800\nls\n";
    byte[] tail = new byte[TerminalHistory.MAX_BYTES];
    byte[] text = partial.getBytes(StandardCharsets.UTF_8);
    java.util.Arrays.fill(tail, (byte) 'x');
    System.arraycopy(text, 0, tail, tail.length - text.length, text.length);

    var commands = TerminalHistory.parse(tail);

    assertThat(commands)
        .containsExactly(new TerminalHistory.Command(Instant.parse("2026-12-02T12:00:00Z"), "ls"));
  }

  @Test
  void theTerminalsGetTheHistoryEnvironmentFromTheCandidatesStartingSettings() throws Exception {
    Map<?, ?> settings = new ObjectMapper().readValue(CodeServerSettings.USER_SETTINGS, Map.class);

    assertThat(settings.get("terminal.integrated.env.linux"))
        .isEqualTo(TerminalHistory.SHELL_ENVIRONMENT);
  }
}
