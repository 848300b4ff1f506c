package dev.prequel.redteam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.WorkspaceSpec;
import dev.prequel.runtime.local.CandidateShell;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.testing.SocketHealth;
import dev.prequel.testing.TestIds;
import dev.prequel.testing.TestLocks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A hostile candidate against the processes around them, for real: a shell as the workspace's user
 * inside its sandbox (the runtime's own launcher). Attacks covered (issue 11 §7):
 *
 * <ul>
 *   <li>/proc of other processes: Prequel's environment, a root process on the host
 *   <li>signals to other uids and processes: {@code kill -9 -1}, {@code kill} of a host pid
 *   <li>ptrace of a host process
 *   <li>setuid programs ({@code mount}, {@code su}) and capabilities
 *   <li>user namespaces ({@code unshare -r}) as a way around file permissions
 *   <li>abstract Unix sockets of the host
 * </ul>
 *
 * Each asserts the outcome and that the host process and another workspace keep working.
 */
@Tag("slow")
@ResourceLock(TestLocks.LOCAL_WORKSPACES)
class CandidateProcessAttackTest {

  // ids of this class and run: cgroups are machine-wide, and other runs share this machine
  private static final String RPA1 = TestIds.of("rpa1");
  private static final String RPB1 = TestIds.of("rpb1");

  private static final WorkspaceLimits LIMITS = new WorkspaceLimits(1000, 1024, 256, 512);

  @TempDir static Path data;
  static LocalRuntime runtime;
  static Process hostProcess;

  @BeforeAll
  static void start() throws Exception {
    runtime = dev.prequel.testing.SandboxedRuntime.in(data.resolve("workspaces"), LIMITS);
    runtime.provision(new WorkspaceSpec(RPA1), line -> {});
    runtime.provision(new WorkspaceSpec(RPB1), line -> {});
    await().atMost(Duration.ofSeconds(60)).until(() -> healthy(RPA1) && healthy(RPB1));
    // A root process on the host holding a secret in its environment, as Prequel does.
    ProcessBuilder sleeper = new ProcessBuilder("sleep", "600");
    sleeper.environment().put("PREQUEL_SECRET_KEY", "host-secret-" + UUID.randomUUID());
    hostProcess = sleeper.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (hostProcess != null) {
      hostProcess.destroyForcibly();
    }
    for (String id : List.of(RPA1, RPB1)) {
      runtime.destroy(id, line -> {});
    }
  }

  @Test
  void otherProcessesAreInvisibleAndTheirEnvironmentUnreadable() throws Exception {
    long host = hostProcess.pid();
    long jvm = ProcessHandle.current().pid();

    Result proc =
        in(
            RPA1,
            "ls /proc | grep -cE '^[0-9]+$'; cat /proc/"
                + host
                + "/environ 2>&1; cat /proc/"
                + jvm
                + "/environ 2>&1; cat /proc/1/environ 2>&1 | tr '\\0' '\\n' | grep -c SECRET");

    // Its own pid namespace: a handful of its own processes, nothing of the host's.
    int visible = Integer.parseInt(proc.output().lines().findFirst().orElseThrow().strip());
    assertThat(visible).isLessThan(10);
    assertThat(proc.output()).doesNotContain("host-secret-").doesNotContain("PREQUEL_");
    assertThat(proc.output()).contains("/proc/" + host + "/environ: No such file or directory");
  }

  @Test
  void signalsReachNothingOutsideItsOwnSandbox() throws Exception {
    long host = hostProcess.pid();

    Result kill = in(RPA1, "kill -9 " + host + " 2>&1; kill -9 -1 2>&1; echo done");

    assertThat(kill.output()).contains("No such process");
    assertThat(hostProcess.isAlive()).isTrue();
    assertThat(healthy(RPA1)).as("its own code-server lives in another pid namespace").isTrue();
    assertThat(healthy(RPB1)).isTrue();
  }

  @Test
  void ptraceOfAHostProcessFails() throws Exception {
    long host = hostProcess.pid();

    Result ptrace =
        in(
            RPA1,
            "/usr/bin/python3 -c 'import ctypes,sys; libc=ctypes.CDLL(None, use_errno=True);"
                + " r=libc.ptrace(16, "
                + host
                + ", 0, 0); print(\"ptrace\", r, ctypes.get_errno())'");

    assertThat(ptrace.output()).contains("ptrace -1 3"); // ESRCH: no such process in its view
    assertThat(hostProcess.isAlive()).isTrue();
  }

  @Test
  void setuidProgramsAndCapabilitiesGiveNoPrivilege() throws Exception {
    Result status = in(RPA1, "grep -E '^(NoNewPrivs|CapEff|CapPrm|CapBnd):' /proc/self/status");
    Result mount = in(RPA1, "/usr/bin/mount -t tmpfs none /workspace 2>&1; echo exit=$?");
    Result su = in(RPA1, "/usr/bin/su -c id root < /dev/null 2>&1; echo exit=$?");
    Result shadow = in(RPA1, "cat /etc/shadow 2>&1; echo exit=$?");

    assertThat(status.output())
        .contains("NoNewPrivs:\t1")
        .contains("CapEff:\t0000000000000000")
        .contains("CapPrm:\t0000000000000000")
        .contains("CapBnd:\t0000000000000000");
    assertThat(mount.output()).doesNotContain("exit=0");
    assertThat(su.output()).doesNotContain("uid=0").doesNotContain("exit=0");
    assertThat(shadow.output()).contains("Permission denied").doesNotContain("root:");
  }

  @Test
  void aUserNamespaceIsNoWayAroundFilePermissions() throws Exception {
    Result userns =
        in(
            RPA1,
            "unshare -r sh -c 'id -u; cat /etc/shadow' 2>&1; echo exit=$?;"
                + " unshare -rm sh -c 'mount --bind /workspace /usr && touch /usr/x' 2>&1;"
                + " echo exit=$?");

    assertThat(userns.output()).doesNotContain("root:").doesNotContain("$y$");
    assertThat(Files.exists(Path.of("/usr/x"))).isFalse();
    assertThat(healthy(RPB1)).isTrue();
  }

  @Test
  void abstractSocketsOfTheHostAreOutOfReach() throws Exception {
    String name = "prequel-redteam-" + UUID.randomUUID();
    Path marker = data.resolve("abstract-connected");
    Process server =
        new ProcessBuilder(
                "python3",
                "-c",
                """
                import socket,sys
                s=socket.socket(socket.AF_UNIX)
                s.bind('\\0'+sys.argv[1])
                s.listen()
                print('listening', flush=True)
                c,_=s.accept()
                open(sys.argv[2],'w').write('connected')
                """,
                name,
                marker.toString())
            .redirectErrorStream(true)
            .start();
    try {
      assertThat(new String(server.getInputStream().readNBytes(9), StandardCharsets.UTF_8))
          .isEqualTo("listening");

      Result connect =
          in(
              RPA1,
              "/usr/bin/python3 -c \"import socket; s=socket.socket(socket.AF_UNIX);"
                  + " s.connect('\\0"
                  + name
                  + "'); print('connected')\" 2>&1 | tail -1");

      assertThat(connect.output()).doesNotContain("connected\n").contains("ConnectionRefused");
      assertThat(marker).doesNotExist();
    } finally {
      server.destroyForcibly();
    }
  }

  // ---- helpers

  record Result(int exit, String output) {}

  private static Result in(String id, String script) throws Exception {
    Process process = CandidateShell.exec(runtime, id, List.of("/bin/bash", "-c", script));
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println("[attack] " + script + "\n[attack]   " + out.replace("\n", "\n[attack]   "));
    return new Result(process.exitValue(), out);
  }

  private static boolean healthy(String id) {
    return runtime.find(id).map(SocketHealth::answers).orElse(false);
  }
}
