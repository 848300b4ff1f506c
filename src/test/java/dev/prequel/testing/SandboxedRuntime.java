package dev.prequel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import dev.prequel.runtime.local.Isolation;
import dev.prequel.runtime.local.LocalRuntime;
import dev.prequel.runtime.local.SandboxPolicy;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The local runtime as the sandbox tests and the red team need it: bubblewrap and cgroups required
 * (the test fails, saying what the machine lacks, rather than testing an unsandboxed runtime), no
 * network, the given limits as ceiling.
 */
public final class SandboxedRuntime {
  private SandboxedRuntime() {}

  public static LocalRuntime in(Path workspaces, WorkspaceLimits ceiling) {
    Isolation isolation = Isolation.detect();
    assertThat(isolation.sandboxed() && isolation.limited())
        .as("this machine must offer the sandbox and cgroups: %s", isolation.missing())
        .isTrue();
    return new LocalRuntime(
        workspaces,
        TestCodeServer.dir(),
        Clock.systemUTC(),
        isolation,
        new SandboxPolicy(ceiling, Outbound.NONE, true));
  }
}
