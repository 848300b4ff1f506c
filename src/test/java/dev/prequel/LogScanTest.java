package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.testing.TestAuth;
import dev.prequel.testing.TestLogs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Runs after every other test class (last in order, and isolated: the others run in parallel) and
 * reads every log the suite produced — this JVM's at DEBUG and each Prequel process a test started
 * — for any secret Prequel handed out during the suite: candidate passwords, API tokens, the
 * admin's password.
 */
@Order(Integer.MAX_VALUE)
@Isolated("reads the logs after every other class has finished writing them")
class LogScanTest {

  @Test
  void noPasswordOrTokenEverReachesALog() throws IOException {
    Set<String> secrets = new HashSet<>(TestLogs.secrets());
    secrets.add(TestAuth.ADMIN_PASSWORD);
    List<Path> logs;
    try (Stream<Path> files = Files.list(TestLogs.dir())) {
      logs = files.filter(f -> f.toString().endsWith(".log")).toList();
    }
    assertThat(logs).as("the suite's logs").isNotEmpty();

    long bytes = 0;
    List<String> leaks = new ArrayList<>();
    for (Path log : logs) {
      String text = Files.readString(log, StandardCharsets.ISO_8859_1);
      bytes += text.length();
      for (String secret : secrets) {
        if (text.contains(secret)) {
          leaks.add(log.getFileName() + " contains a secret starting " + secret.substring(0, 3));
        }
      }
    }
    assertThat(bytes).as("bytes of log read").isPositive();
    assertThat(leaks).isEmpty();
  }
}
