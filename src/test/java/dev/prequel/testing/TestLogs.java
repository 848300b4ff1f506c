package dev.prequel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the suite's logs go ({@code target/test-logs}: this JVM's, and every Prequel process a test
 * starts), and every secret the suite was handed (candidate passwords, API tokens), so that {@code
 * LogScanTest} can check that none of them was ever logged.
 */
public final class TestLogs {

  private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();

  private TestLogs() {}

  public static Path dir() {
    Path dir = Path.of("target", "test-logs").toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** A log file for a process a test starts. */
  public static Path file(String name) {
    return dir()
        .resolve(name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".log");
  }

  /** Remembers a secret Prequel handed out, to look for it in the logs later. */
  public static void secret(String value) {
    if (value != null && value.length() >= 8) {
      SECRETS.add(value);
    }
  }

  public static Set<String> secrets() {
    return Set.copyOf(SECRETS);
  }
}
