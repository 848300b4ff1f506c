package dev.prequel.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * What a later Prequel needs to find and adopt a running code-server: its pid, port, and the
 * process's start time as the OS reports it (a pid alone may have been reused by another process
 * since).
 *
 * @param pid the code-server launcher's pid (the root of its process tree)
 * @param port where it listens on 127.0.0.1 (0 when it listens on a Unix socket)
 * @param processStart the OS's start instant of {@code pid}
 * @param startedAt when Prequel started it, by Prequel's clock
 * @param socket the Unix socket it listens on, as the host sees it (null: TCP on {@code port})
 * @param user the workspace's own user in the sandbox (null: unsandboxed)
 */
record RuntimeState(
    long pid, int port, Instant processStart, Instant startedAt, String socket, String user) {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  static Optional<RuntimeState> read(Path file) {
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(file), RuntimeState.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      // A state file we cannot read describes nothing we can adopt; destroy() still cleans the
      // folder.
      return Optional.empty();
    }
  }

  /**
   * Writes beside the target, then renames: a reader sees the old file or the new one, never half
   * of one.
   */
  void write(Path file) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
