package dev.prequel.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The seat's exec stream on a real engine: every byte of a long output arrives, in order, with the
 * command's exit status (docker-java reuses the buffer of full frames, which once cut the seat's
 * listings and tars short). The container is a bare Debian one, named for this class.
 */
@Tag("slow")
class ExecStdoutTest {

  private static final String CONTAINER = "prequel-est-exec";
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static DockerClient docker;

  @BeforeAll
  static void container() {
    docker = DockerEngineFixture.engine();
    removeContainer();
    docker
        .createContainerCmd("debian:bookworm-slim")
        .withName(CONTAINER)
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("none"))
        .withCmd("sh", "-c", "mkdir -p /workspace && exec sleep infinity")
        .exec();
    docker.startContainerCmd(CONTAINER).exec();
  }

  @AfterAll
  static void removeContainer() {
    try {
      docker.removeContainerCmd(CONTAINER).withForce(true).exec();
    } catch (NotFoundException e) {
      // never made
    }
  }

  @Test
  void everyByteOfAFiveMegabyteOutputArrivesInOrderWithItsExitStatus() throws Exception {
    // Given a command printing the numbers 1 to 700,000, one a line (about 4.8 MB)
    StringBuilder expected = new StringBuilder();
    for (int i = 1; i <= 700_000; i++) {
      expected.append(i).append('\n');
    }
    byte[] want = expected.toString().getBytes(StandardCharsets.US_ASCII);

    // When the seat's exec runs it as the candidate, three times over, reading as a parser would
    for (int run = 0; run < 3; run++) {
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      int exit =
          new ExecStdout(docker)
              .run(CONTAINER, List.of("seq", "1", "700000"), DEADLINE, out -> out.transferTo(got));

      // Then every byte came, in order, and the command's exit status with them
      assertThat(got.size()).as("bytes of run %d", run).isEqualTo(want.length);
      assertThat(sha256(got.toByteArray())).as("run %d", run).isEqualTo(sha256(want));
      assertThat(exit).isZero();
    }
  }

  @Test
  void aTarReadToItsLastEntryGivesItsExitStatusThoughItsPaddingWasNotRead() throws Exception {
    // Given a tar of one small file (its stream padded to a 10 KiB record after the last entry)
    List<String> names = new java.util.ArrayList<>();
    // When a tar reader takes its entries, stopping at the end-of-archive blocks as readers do
    int exit =
        new ExecStdout(docker)
            .run(
                CONTAINER,
                List.of("tar", "-c", "-f", "-", "--format=gnu", "-C", "/etc", "hostname"),
                DEADLINE,
                out -> {
                  var tar =
                      new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(out);
                  for (var e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    names.add(e.getName());
                  }
                });

    // Then it got the entry and tar's exit status: the padding is no sign of a cut stream
    assertThat(names).containsExactly("hostname");
    assertThat(exit).isZero();
  }

  @Test
  void aCommandsExitStatusIsTheOneItEndedWith() throws Exception {
    // Given a command that prints a line and fails, when it runs, then its status is its own
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    int exit =
        new ExecStdout(docker)
            .run(
                CONTAINER,
                List.of("sh", "-c", "echo uid=$(id -u); exit 3"),
                DEADLINE,
                out -> out.transferTo(got));
    assertThat(exit).isEqualTo(3);
    // and it ran as the candidate, not as root
    assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("uid=1000\n");
  }

  @Test
  void aReaderThatStopsEarlyGetsNoStatusAndTheNextCommandRunsWhole() throws Exception {
    // Given a command whose output never ends, read only for its first KiB
    ExecStdout exec = new ExecStdout(docker);
    int exit = exec.run(CONTAINER, List.of("yes"), DEADLINE, out -> out.readNBytes(1024));

    // Then the reader is told it saw no end, and the engine runs the next command as ever
    assertThat(exit).isEqualTo(-1);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    assertThat(exec.run(CONTAINER, List.of("echo", "next"), DEADLINE, out -> out.transferTo(got)))
        .isZero();
    assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo("next\n");
  }

  @Test
  void aCommandInAContainerThatIsGoneIsAnIOException() {
    assertThatThrownBy(
            () ->
                new ExecStdout(docker)
                    .run("prequel-est-never", List.of("true"), DEADLINE, out -> {}))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot run a command in the workspace");
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
