package dev.prequel.runtime.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmCacheTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  @Test
  void packagesBuiltForOtherSystemsAreNotCountedAsMissing() throws Exception {
    // esbuild's shape: one optional package per system and processor; npm fetches the one that
    // fits.
    Path lockfile = tmp.resolve("package-lock.json");
    Files.writeString(
        lockfile,
        """
        {"packages": {
          "": {"name": "app"},
          "node_modules/react": {"integrity": "sha512-AAAA"},
          "node_modules/@esbuild/darwin-arm64":
            {"integrity": "sha512-BBBB", "optional": true, "os": ["darwin"], "cpu": ["arm64"]},
          "node_modules/@esbuild/win32-x64":
            {"integrity": "sha512-CCCC", "optional": true, "os": ["win32"], "cpu": ["x64"]},
          "node_modules/@esbuild/linux-musl":
            {"integrity": "sha512-DDDD", "optional": true, "os": ["linux"], "libc": ["musl"]},
          "node_modules/not-on-linux": {"integrity": "sha512-EEEE", "os": ["!linux"]}
        }}
        """);

    assertThat(new NpmCache(tmp.resolve("cache")).missing(lockfile)).isEqualTo(1); // react
  }

  @Test
  void aPackageForThisMachineCounts() throws Exception {
    String arch =
        System.getProperty("os.arch").equals("amd64")
            ? "x64"
            : System.getProperty("os.arch").replace("aarch64", "arm64");
    JsonNode pkg =
        JSON.readTree(
            "{\"os\": [\"linux\", \"darwin\"], \"cpu\": [\""
                + arch
                + "\"], \"libc\": [\"glibc\"]}");
    assertThat(NpmCache.installedHere(pkg)).isTrue();
    assertThat(NpmCache.installedHere(JSON.readTree("{\"cpu\": [\"!" + arch + "\"]}"))).isFalse();
    assertThat(NpmCache.installedHere(JSON.readTree("{}"))).isTrue();
  }
}
