package dev.prequel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.runtime.WorkspaceRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An operator picks the runtime with PREQUEL_RUNTIME, in one place, and is told what exists. */
class RuntimeChoiceTest {

  @TempDir Path data;

  private Config config(Map<String, String> env) {
    var all = new java.util.HashMap<>(env);
    all.put("PREQUEL_DATA_DIR", data.toString());
    return Config.fromEnv(all);
  }

  @Test
  void withoutASettingWorkspacesRunOnThisHost() {
    WorkspaceRuntime runtime = Runtimes.of(config(Map.of()), Clock.systemUTC());

    assertThat(runtime.name()).isEqualTo("local");
    assertThat(runtime.describe().name()).isEqualTo("local");
  }

  @Test
  void everyNamedRuntimeCanBeBuiltAndDescribesItself() {
    for (String kind : Runtimes.RUNTIMES) {
      WorkspaceRuntime runtime =
          Runtimes.of(config(Map.of("PREQUEL_RUNTIME", kind)), Clock.systemUTC());

      assertThat(runtime.describe().name()).isEqualTo(kind);
    }
  }

  @Test
  void anUnknownRuntimeIsRefusedAtStartWithTheOnesThatExist() {
    assertThatThrownBy(() -> config(Map.of("PREQUEL_RUNTIME", "ecs")))
        .isInstanceOf(Config.ConfigException.class)
        .hasMessage("PREQUEL_RUNTIME must be one of: local, docker, kubernetes; got 'ecs'");
  }

  @Test
  void aRuntimeThatSaysNothingOfItsIsolationIsTakenAsUnsandboxed() {
    var unknown = dev.prequel.runtime.RuntimeDescription.unknown("elsewhere");

    assertThat(unknown.sandboxed()).isFalse();
    assertThat(unknown.warning()).get().asString().contains("not sandboxed");
  }
}
