package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTreeTest {

  @TempDir Path workspacesDir;

  @Test
  void destroyAlsoStopsWhatTheCandidateLeftRunningInTheBackground() throws Exception {
    Path folder = workspacesDir.resolve("iv-1");
    Files.createDirectories(folder.resolve("workspace"));
    // As from a terminal: a shell starts a server in the background and exits; the server is
    // re-parented.
    ProcessBuilder shell =
        new ProcessBuilder("sh", "-c", "nohup sleep 600 >/dev/null 2>&1 & echo $!");
    shell.environment().put(ProcessTree.MARKER, folder.toString());
    Process process = shell.start();
    long orphan =
        Long.parseLong(
            new String(
                    process.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8)
                .trim());
    process.waitFor();
    ProcessHandle handle = ProcessHandle.of(orphan).orElseThrow();
    assertThat(ProcessTree.isRunning(handle)).isTrue();

    new LocalRuntime(workspacesDir, workspacesDir, Clock.systemUTC()).destroy("iv-1", line -> {});

    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessTree.isRunning(handle));
    assertThat(folder).doesNotExist();
  }

  @Test
  void processesOfAnotherWorkspaceAreLeftAlone() throws Exception {
    ProcessBuilder other = new ProcessBuilder("sleep", "600");
    other.environment().put(ProcessTree.MARKER, workspacesDir.resolve("iv-10").toString());
    Process process = other.start();
    try {
      assertThat(ProcessTree.withMarker(workspacesDir.resolve("iv-1").toString())).isEmpty();
      assertThat(ProcessTree.withMarker(workspacesDir.resolve("iv-10").toString()))
          .extracting(ProcessHandle::pid)
          .isEqualTo(List.of(process.pid()));
    } finally {
      process.destroyForcibly();
    }
  }
}
