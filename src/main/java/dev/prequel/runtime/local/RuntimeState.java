package dev.prequel.runtime.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.prequel.runtime.Workspace;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
 * @param uid the uid code-server runs as: the only one that may answer on its socket (null: a state
 *     written before Prequel recorded it)
 */
record RuntimeState(
    long pid,
    int port,
    Instant processStart,
    Instant startedAt,
    String socket,
    String user,
    Integer uid) {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  /** The workspace as the proxy reaches it; {@code peerUid} must answer on its socket. */
  Workspace toWorkspace(String interviewId, int peerUid) {
    if (socket == null) {
      return new Workspace(interviewId, URI.create("http://127.0.0.1:" + port), startedAt);
    }
    return new Workspace(interviewId, unixEndpoint(Path.of(socket)), startedAt, peerUid);
  }

  /** {@code unix:///path/to.sock}: HTTP over that Unix socket. */
  static URI unixEndpoint(Path socket) {
    try {
      return new URI("unix", "", socket.toAbsolutePath().toString(), null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("cannot express " + socket + " as a URI", e);
    }
  }

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

  /** A code-server process just started, listening (soon) on {@code socket}. */
  static RuntimeState started(
      Process process, Path socket, String user, Integer uid, java.time.Clock clock) {
    return new RuntimeState(
        process.pid(),
        0,
        process.info().startInstant().orElseGet(clock::instant),
        clock.instant(),
        socket.toString(),
        user,
        uid);
  }
}
