package dev.prequel.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.prequel.runtime.WorkspaceSetup;
import dev.prequel.runtime.local.NpmCache;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * What the local runtime does around a challenge's setup, for containers, with tar streams through
 * the Engine's archive API only (so it works the same with a remote engine):
 *
 * <ul>
 *   <li><b>The reuse cache.</b> The folders a challenge declares reusable ({@code node_modules})
 *       are kept, as the engine's own tar of them, from the first successful setup of a challenge
 *       version in a <em>fresh</em> workspace (made anew, no setup before: no candidate has been in
 *       it, so none can poison later interviews). Later workspaces of that version get a copy
 *       instead of running the commands. Prequel never unpacks these tars itself: the engine does,
 *       inside the new container.
 *   <li><b>The npm cache.</b> A workspace without network cannot download: before setup commands
 *       run, Prequel fills its package cache on the host from the workspace's lockfile ({@link
 *       NpmCache}, shared with the local runtime: scripts off, never as root) and hands the
 *       candidate a copy in {@code ~/.npm}, as the local runtime does.
 * </ul>
 */
final class SetupCaches {

  /** The engine's tar of one reusable folder, at most this big: past it, nothing is kept. */
  static final long MAX_KEPT_BYTES = 4L * 1024 * 1024 * 1024;

  private static final int MAX_PROJECT_FILE = 32 * 1024 * 1024;

  private final DockerClient docker;
  private final Path reuseDir;
  private final NpmCache npm;

  /**
   * @param cacheDir Prequel's cache folder ({@code data/cache}, shared with the local runtime's npm
   *     cache); null for neither cache
   */
  SetupCaches(DockerClient docker, Path cacheDir) {
    this.docker = docker;
    this.reuseDir = cacheDir == null ? null : cacheDir.resolve("docker-setup");
    this.npm = cacheDir == null ? null : new NpmCache(cacheDir.resolve("npm"));
  }

  /** Copies the kept folders into the workspace; false (nothing done) when none are kept. */
  boolean restore(String container, WorkspaceSetup setup, Consumer<String> log) throws IOException {
    if (reuseDir == null || setup.reuse().isEmpty()) {
      return false;
    }
    for (String folder : setup.reuse()) {
      if (!Files.isRegularFile(kept(setup, folder), LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
    }
    long started = System.nanoTime();
    for (String folder : setup.reuse()) {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(kept(setup, folder)))) {
        docker
            .copyArchiveToContainerCmd(container)
            .withRemotePath(parentInWorkspace(folder))
            .withNoOverwriteDirNonDir(true)
            .withTarInputStream(in)
            .exec();
      }
    }
    log.accept(
        "setup: reused "
            + String.join(", ", setup.reuse())
            + " from an earlier setup of this challenge ("
            + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
            + " ms)");
    return true;
  }

  /** Keeps the reusable folders a setup just made in a fresh workspace, for later ones. */
  void keep(String container, WorkspaceSetup setup, boolean fresh, Consumer<String> log)
      throws IOException {
    if (reuseDir == null || setup.reuse().isEmpty()) {
      return;
    }
    if (!fresh) {
      log.accept("setup: not kept for reuse (the workspace was not new)");
      return;
    }
    Files.createDirectories(reuseDir);
    for (String folder : setup.reuse()) {
      Path target = kept(setup, folder);
      Path incoming = Files.createTempFile(reuseDir, ".incoming-", ".tar");
      try {
        try (InputStream in =
                docker
                    .copyArchiveFromContainerCmd(
                        container, WorkspaceContainer.WORKSPACE + "/" + checked(folder))
                    .exec();
            OutputStream out = new BufferedOutputStream(Files.newOutputStream(incoming))) {
          in.transferTo(new Bounded(out));
        } catch (NotFoundException e) {
          log.accept("setup: not kept for reuse: the setup made no " + folder);
          return;
        } catch (TooBig e) {
          log.accept("setup: not kept for reuse: " + folder + " is larger than 4 GiB");
          return;
        }
        // another workspace finishing first is fine: same challenge version, same content
        Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(incoming);
      }
    }
  }

  /**
   * Before setup commands run: fills the npm cache from the workspace's lockfile and hands the
   * candidate a copy. Nothing for a workspace that is no npm project; a failure to fill is logged,
   * and the commands run anyway (they say what is missing).
   */
  void prepareNpm(String container, long deadlineNanos, Consumer<String> log)
      throws InterruptedException {
    if (npm == null) {
      return;
    }
    try {
      Files.createDirectories(npm.dir().getParent());
      Path project = Files.createTempDirectory(npm.dir().getParent(), "npm-project-");
      try {
        for (String name : List.of("package.json", "package-lock.json")) {
          copyOut(container, name, project);
        }
        if (!NpmCache.usedBy(project)) {
          return;
        }
        npm.fill(project, deadlineNanos, log);
      } finally {
        deleteFlat(project);
      }
      long started = System.nanoTime();
      seed(container);
      log.accept(
          "npm: package cache handed to the workspace in "
              + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
              + " ms");
    } catch (IOException | RuntimeException e) {
      log.accept("npm: the package cache is not filled: " + e.getMessage());
    }
  }

  /**
   * One of the workspace's files, as the engine's tar gives it, into Prequel's scratch folder: a
   * regular file only (a link or folder the candidate put there is skipped), bounded.
   */
  private void copyOut(String container, String name, Path into) throws IOException {
    try (InputStream raw =
            docker
                .copyArchiveFromContainerCmd(container, WorkspaceContainer.WORKSPACE + "/" + name)
                .exec();
        TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
      TarArchiveEntry entry = tar.getNextEntry();
      if (entry == null || !entry.isFile() || entry.getSize() > MAX_PROJECT_FILE) {
        return;
      }
      Files.write(into.resolve(name), tar.readNBytes(MAX_PROJECT_FILE));
    } catch (NotFoundException e) {
      // not an npm project
    }
  }

  /**
   * The cache's packages and index into {@code ~/.npm/_cacache}, the candidate's own (npm writes
   * its index even when it only reads): a copy, so no candidate can change another's packages.
   */
  private void seed(String container) throws IOException {
    Path cacache = npm.dir().resolve("_cacache");
    if (!Files.isDirectory(cacache, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path tar = Files.createTempFile(npm.dir().getParent(), "npm-seed-", ".tar");
    try {
      try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tar));
          TarArchiveOutputStream out = new TarArchiveOutputStream(raw);
          Stream<Path> walk = Files.walk(cacache)) {
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        folderEntry(out, ".npm/");
        for (Path p : (Iterable<Path>) walk::iterator) {
          String rel = cacache.relativize(p).toString();
          if (rel.equals("tmp") || rel.startsWith("tmp/")) {
            continue;
          }
          String name = ".npm/_cacache/" + rel;
          if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            folderEntry(out, rel.isEmpty() ? name : name + "/");
            continue;
          }
          if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            continue; // links and the like: npm's cache has none
          }
          TarArchiveEntry entry = new TarArchiveEntry(name);
          entry.setIds(WorkspaceContainer.UID, WorkspaceContainer.UID);
          entry.setMode(0100644);
          try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] content = in.readAllBytes();
            entry.setSize(content.length);
            out.putArchiveEntry(entry);
            out.write(content);
            out.closeArchiveEntry();
          }
        }
      }
      try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
        docker
            .copyArchiveToContainerCmd(container)
            .withRemotePath(WorkspaceContainer.HOME)
            .withNoOverwriteDirNonDir(true)
            .withTarInputStream(in)
            .exec();
      }
    } finally {
      Files.deleteIfExists(tar);
    }
  }

  private static void folderEntry(TarArchiveOutputStream out, String name) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setIds(WorkspaceContainer.UID, WorkspaceContainer.UID);
    entry.setMode(040755);
    out.putArchiveEntry(entry);
    out.closeArchiveEntry();
  }

  private static void deleteFlat(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(folder);
  }

  private Path kept(WorkspaceSetup setup, String folder) {
    return reuseDir.resolve(sha256(setup.version() + "\0" + checked(folder)) + ".tar");
  }

  /** Where the engine's tar of {@code folder} (named by its last part) unpacks. */
  private static String parentInWorkspace(String folder) {
    String path = checked(folder);
    int slash = path.lastIndexOf('/');
    return WorkspaceContainer.WORKSPACE + (slash < 0 ? "" : "/" + path.substring(0, slash));
  }

  /** A relative path inside the workspace, without {@code ..}; refused otherwise. */
  static String checked(String folder) {
    String path = folder.startsWith("./") ? folder.substring(2) : folder;
    path = path.replaceAll("/+$", "");
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException("not a folder inside the workspace: " + folder);
      }
    }
    return path;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class TooBig extends IOException {
    private static final long serialVersionUID = 1L;

    TooBig() {
      super("too big");
    }
  }

  /** Refuses to write past {@link #MAX_KEPT_BYTES}. */
  private static final class Bounded extends java.io.FilterOutputStream {
    private long written;

    Bounded(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      count(1);
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      count(len);
      out.write(b, off, len);
    }

    private void count(long n) throws IOException {
      written += n;
      if (written > MAX_KEPT_BYTES) {
        throw new TooBig();
      }
    }
  }
}
