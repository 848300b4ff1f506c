package dev.prequel.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One npm package cache for every workspace, kept by Prequel outside the workspaces. A sandbox
 * without network cannot download, so before a setup runs, Prequel fills the cache on the host from
 * the challenge's lockfile (scripts off: nothing of the packages runs as Prequel), then gives the
 * workspace's user a private copy: npm updates the cache's index even when it only reads, and
 * refuses a cache it cannot write ("ENOTCACHED"). The copy's index is copied (3-4 MB), its packages
 * are hard links the user can read but not change; npm checks each package against the lockfile's
 * hash anyway.
 */
public final class NpmCache {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LOCKFILE = "package-lock.json";

  /** This machine's processor in Node's words (process.arch). */
  private static final String NODE_ARCH =
      switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> "x64";
        case "aarch64" -> "arm64";
        case "x86", "i386" -> "ia32";
        default -> System.getProperty("os.arch");
      };

  private final Path dir;

  public NpmCache(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Before setup commands run (not when an earlier setup's folders are reused): a sandbox without
   * network cannot download, so the host fills the cache and, with {@code seed}, hands the
   * workspace a copy.
   */
  void prepare(
      InterviewFolder folder,
      WorkspaceFiles files,
      Duration timeout,
      boolean seed,
      Consumer<String> log)
      throws IOException, InterruptedException {
    // The project files come out as a stream, into a folder of Prequel's own: root never opens a
    // file in the workspace, which the candidate can change (or link to a host file).
    Files.createDirectories(dir.getParent());
    Path project = Files.createTempDirectory(dir.getParent(), "npm-project-");
    try {
      Optional<String> cut =
          files.pack(
              folder,
              List.of("package.json", "package-lock.json"),
              Set.of(),
              WorkspaceFiles.Bounds.PROJECT_FILES,
              new TarToFolder(project));
      if (cut.isPresent()) {
        log.accept("npm: the package cache is not filled: " + cut.get());
        return;
      }
      if (!usedBy(project)) {
        return;
      }
      fill(project, System.nanoTime() + timeout.toNanos(), log);
    } finally {
      SecureTree.delete(project);
    }
    if (seed) {
      long started = System.nanoTime();
      seed(folder, files);
      log.accept(
          "npm: package cache handed to the workspace in "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms");
    }
  }

  /** Whether the workspace is an npm project with a lockfile (what {@code npm ci} needs). */
  public static boolean usedBy(Path workspace) {
    return Files.isRegularFile(workspace.resolve(LOCKFILE), LinkOption.NOFOLLOW_LINKS)
        && Files.isRegularFile(workspace.resolve("package.json"), LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Downloads into the cache whatever package of the workspace's lockfile it lacks, on the host
   * with {@code npm ci --ignore-scripts} in a scratch folder, as {@link NpmUser} (never root, never
   * with Prequel's environment). Cheap when nothing is missing. The workspace's package.json and
   * lockfile are read without following links and at most {@value #MAX_MANIFEST} bytes each: the
   * candidate may already have replaced them.
   */
  public void fill(Path workspace, long deadlineNanos, Consumer<String> log)
      throws IOException, InterruptedException {
    byte[] lockfile = readSmall(workspace.resolve(LOCKFILE));
    int missing = missing(JSON.readTree(lockfile));
    if (missing == 0) {
      return;
    }
    byte[] manifest = readSmall(workspace.resolve("package.json"));
    log.accept("npm: downloading " + missing + " packages into Prequel's package cache");
    long started = System.nanoTime();
    NpmUser npmUser = NpmUser.forCache(dir, dir.resolveSibling("npm-home"));
    Path scratch = Files.createTempDirectory(dir.getParent(), "npm-fill-");
    try {
      Files.write(scratch.resolve("package.json"), manifest);
      Files.write(scratch.resolve(LOCKFILE), lockfile);
      npmUser.own(scratch);
      ProcessBuilder builder =
          npmUser
              .npm(
                  scratch,
                  dir,
                  List.of("ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true);
      Process npm = builder.start();
      CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> tail(npm));
      long left = deadlineNanos - System.nanoTime();
      if (!npm.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
        npm.descendants().forEach(ProcessHandle::destroyForcibly);
        npm.destroyForcibly();
        throw new IllegalStateException("setup did not finish in time (filling the npm cache)");
      }
      if (npm.exitValue() != 0) {
        new String(output.join(), StandardCharsets.UTF_8)
            .lines()
            .forEach(l -> log.accept("  " + l));
        throw new IllegalStateException(
            "cannot fill the npm cache from "
                + LOCKFILE
                + " (npm ci exit code "
                + npm.exitValue()
                + ", output above)");
      }
      log.accept(
          "npm: package cache filled in "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms");
    } finally {
      SecureTree.delete(scratch); // npm's user owned it: nothing in it is followed
    }
  }

  private static final int MAX_MANIFEST = 32 * 1024 * 1024;
  private static final int MAX_OUTPUT = 64 * 1024;

  /** A regular file's bytes, not through a link, refused past {@link #MAX_MANIFEST}. */
  private static byte[] readSmall(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      byte[] bytes = in.readNBytes(MAX_MANIFEST + 1);
      if (bytes.length > MAX_MANIFEST) {
        throw new IOException(file.getFileName() + " is larger than " + MAX_MANIFEST + " bytes");
      }
      return bytes;
    }
  }

  /** npm's output, its last {@link #MAX_OUTPUT} bytes kept (the error is at the end). */
  private static byte[] tail(Process process) {
    try (InputStream in = process.getInputStream()) {
      byte[] ring = new byte[MAX_OUTPUT];
      long total = 0;
      byte[] buffer = new byte[8192];
      for (int n; (n = in.read(buffer)) > 0; ) {
        for (int k = 0; k < n; k++) {
          ring[(int) (total++ % MAX_OUTPUT)] = buffer[k];
        }
      }
      if (total <= MAX_OUTPUT) {
        return java.util.Arrays.copyOf(ring, (int) total);
      }
      int start = (int) (total % MAX_OUTPUT);
      byte[] out = new byte[MAX_OUTPUT];
      System.arraycopy(ring, start, out, 0, MAX_OUTPUT - start);
      System.arraycopy(ring, 0, out, MAX_OUTPUT - start, start);
      return out;
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** How many of the lockfile's packages have no content in the cache. */
  int missing(Path lockfile) throws IOException {
    return missing(JSON.readTree(readSmall(lockfile)));
  }

  private int missing(JsonNode lockfile) {
    JsonNode packages = lockfile.path("packages");
    int missing = 0;
    for (Iterator<JsonNode> it = packages.elements(); it.hasNext(); ) {
      JsonNode pkg = it.next();
      String integrity = pkg.path("integrity").asText("");
      if (!integrity.isEmpty() && installedHere(pkg) && !Files.isRegularFile(content(integrity))) {
        missing++;
      }
    }
    return missing;
  }

  /**
   * Whether npm installs this package on this machine: not one built for another system or
   * processor (esbuild, for one, lists a package for each; npm fetches only the one that fits).
   * Counting those as missing made every setup download them again.
   */
  static boolean installedHere(JsonNode pkg) {
    return fits(pkg.path("os"), "linux")
        && fits(pkg.path("cpu"), NODE_ARCH)
        && fits(pkg.path("libc"), "glibc");
  }

  /** npm's rule for os/cpu/libc lists: listed (when any is listed) and not excluded ("!x"). */
  private static boolean fits(JsonNode list, String value) {
    if (!list.isArray() || list.isEmpty()) {
      return true;
    }
    boolean anyListed = false;
    boolean listed = false;
    for (JsonNode entry : list) {
      String v = entry.asText();
      if (v.equals("!" + value)) {
        return false;
      }
      if (!v.startsWith("!")) {
        anyListed = true;
        listed |= v.equals(value);
      }
    }
    return !anyListed || listed;
  }

  /** Where cacache keeps a package with this integrity ({@code sha512-<base64>}). */
  private Path content(String integrity) {
    String first = integrity.strip().split("\\s+", -1)[0];
    int dash = first.indexOf('-');
    if (dash < 0) {
      return dir.resolve("_cacache/none");
    }
    String algorithm = first.substring(0, dash);
    String hex;
    try {
      hex = HexFormat.of().formatHex(Base64.getDecoder().decode(first.substring(dash + 1)));
    } catch (IllegalArgumentException e) {
      return dir.resolve("_cacache/none");
    }
    return dir.resolve("_cacache/content-v2")
        .resolve(algorithm)
        .resolve(hex.substring(0, 2))
        .resolve(hex.substring(2, 4))
        .resolve(hex.substring(4));
  }

  /**
   * Gives the workspace's user a copy of the cache in {@code ~/.npm}, unpacked by that user inside
   * the sandbox (root never writes into the candidate's home, which the candidate can change): the
   * files are the user's, so npm can update its index; files already there are kept. A copy, not
   * hard links: a link to the shared cache, handed to the user, would let one candidate change
   * every later one's packages.
   */
  void seed(InterviewFolder folder, WorkspaceFiles files) throws IOException, InterruptedException {
    Path cacache = dir.resolve("_cacache");
    if (!Files.isDirectory(cacache, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    files.unpack(
        folder,
        WorkspaceFiles.Place.HOME,
        new FolderTar(
            cacache,
            ".npm/_cacache/",
            name -> !name.equals("tmp") && !name.startsWith("tmp/"),
            java.util.Set.of()));
  }
}
