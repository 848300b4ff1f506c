package dev.prequel.testing;

import dev.prequel.Config;
import java.nio.file.Path;
import java.util.Map;

/** Where the tests find code-server: the folder Prequel itself would use in this environment. */
public final class TestCodeServer {
  private TestCodeServer() {}

  public static Path dir() {
    return Config.fromEnv(Map.copyOf(System.getenv())).codeServerDir();
  }
}
