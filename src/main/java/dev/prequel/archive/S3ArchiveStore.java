package dev.prequel.archive;

import dev.prequel.challenge.S3Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.eclipse.jgit.util.FileUtils;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Keeps the timelines in an S3-compatible bucket: object {@code {archivePrefix}{id}.zip} holds the
 * interview's whole bare git repository. A {@link GitArchiveStore} on local disk is the working
 * copy: every new snapshot is recorded there, then the repository is uploaded; a repository missing
 * locally (a new machine, a wiped data folder) is downloaded before it is used. A snapshot counts
 * as recorded only once uploaded: a failed upload is an {@link ArchiveUnavailableException}, so the
 * lifecycle keeps the workspace and retries, and the retry uploads even when nothing changed.
 */
public final class S3ArchiveStore implements ArchiveStore, AutoCloseable {

  /** In a local repository: the id of the newest snapshot the bucket has. */
  private static final String UPLOADED = "prequel-uploaded";

  private final GitArchiveStore local;
  private final S3Settings settings;
  private final Path root;
  private final S3Client s3;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public S3ArchiveStore(S3Settings settings, Path cacheDir) {
    this.settings = settings;
    this.root = cacheDir.toAbsolutePath().normalize();
    this.local = new GitArchiveStore(root);
    this.s3 = settings.newClient();
  }

  @Override
  public Snapshot record(String interviewId, Request request, FileFeed files) {
    synchronized (lockFor(interviewId)) {
      ensureLocal(interviewId);
      Snapshot snapshot = local.record(interviewId, request, files);
      Path marker = local.dir(interviewId).resolve(UPLOADED);
      try {
        if (!Files.isRegularFile(marker)
            || !Files.readString(marker, StandardCharsets.UTF_8).equals(snapshot.id())) {
          upload(interviewId);
          Files.writeString(marker, snapshot.id(), StandardCharsets.UTF_8);
        }
      } catch (IOException e) {
        throw unavailable(interviewId, e.toString(), e);
      }
      return snapshot;
    }
  }

  @Override
  public List<Snapshot> snapshots(String interviewId) {
    ensureLocal(interviewId);
    return local.snapshots(interviewId);
  }

  @Override
  public List<SnapshotFile> files(String interviewId, String snapshotId) {
    ensureLocal(interviewId);
    return local.files(interviewId, snapshotId);
  }

  @Override
  public Optional<byte[]> read(String interviewId, String snapshotId, String path, int limit) {
    ensureLocal(interviewId);
    return local.read(interviewId, snapshotId, path, limit);
  }

  @Override
  public List<FileChange> diff(String interviewId, String fromId, String toId) {
    ensureLocal(interviewId);
    return local.diff(interviewId, fromId, toId);
  }

  @Override
  public void writeZip(String interviewId, String snapshotId, OutputStream out) throws IOException {
    ensureLocal(interviewId);
    local.writeZip(interviewId, snapshotId, out);
  }

  @Override
  public void delete(String interviewId) {
    synchronized (lockFor(interviewId)) {
      String key = key(interviewId);
      try {
        s3.deleteObject(r -> r.bucket(settings.bucket()).key(key));
      } catch (SdkException e) {
        throw unavailable(interviewId, settings.explain(e), e);
      }
      local.delete(interviewId);
    }
  }

  /** The bucket's object of the interview; validates the id first. */
  private String key(String interviewId) {
    local.dir(interviewId);
    return settings.archivePrefix() + interviewId + ".zip";
  }

  private void upload(String interviewId) throws IOException {
    Path repo = local.dir(interviewId);
    Path zip = Files.createTempFile(root, ".upload-", ".zip");
    try {
      try (OutputStream out = Files.newOutputStream(zip);
          ZipOutputStream zipped = new ZipOutputStream(out);
          Stream<Path> walk = Files.walk(repo)) {
        for (Path p : walk.filter(p -> !p.equals(repo)).toList()) {
          String name = repo.relativize(p).toString().replace('\\', '/');
          if (Files.isDirectory(p)) {
            zipped.putNextEntry(new ZipEntry(name + "/"));
          } else if (!name.equals(UPLOADED)) {
            zipped.putNextEntry(new ZipEntry(name));
            Files.copy(p, zipped);
          }
          zipped.closeEntry();
        }
      }
      String key = key(interviewId);
      try {
        s3.putObject(r -> r.bucket(settings.bucket()).key(key), RequestBody.fromFile(zip));
      } catch (SdkException e) {
        throw unavailable(interviewId, settings.explain(e), e);
      }
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  /** Downloads the interview's repository when this machine does not have it yet. */
  private void ensureLocal(String interviewId) {
    Path repo = local.dir(interviewId);
    if (Files.isRegularFile(repo.resolve("HEAD"))) {
      return;
    }
    synchronized (lockFor(interviewId)) {
      if (Files.isRegularFile(repo.resolve("HEAD"))) {
        return; // another thread downloaded it meanwhile
      }
      String key = key(interviewId);
      Path incoming = null;
      try (InputStream in = s3.getObject(r -> r.bucket(settings.bucket()).key(key));
          ZipInputStream zip = new ZipInputStream(in)) {
        Files.createDirectories(root);
        incoming = Files.createTempDirectory(root, ".incoming-");
        for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
          Path target = incoming.resolve(e.getName()).normalize();
          if (!target.startsWith(incoming)) {
            continue; // an entry like "../x" cannot leave the folder
          }
          if (e.isDirectory()) {
            Files.createDirectories(target);
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(zip, target, StandardCopyOption.REPLACE_EXISTING);
          }
        }
        FileUtils.delete(repo.toFile(), FileUtils.RECURSIVE | FileUtils.SKIP_MISSING);
        Files.move(incoming, repo, StandardCopyOption.ATOMIC_MOVE);
        List<Snapshot> all = local.snapshots(interviewId);
        if (!all.isEmpty()) {
          Files.writeString(
              repo.resolve(UPLOADED), all.get(all.size() - 1).id(), StandardCharsets.UTF_8);
        }
      } catch (NoSuchKeyException e) {
        return; // no timeline yet
      } catch (SdkException e) {
        throw unavailable(interviewId, settings.explain(e), e);
      } catch (IOException e) {
        throw unavailable(interviewId, e.toString(), e);
      } finally {
        deleteQuietly(incoming);
      }
    }
  }

  private static void deleteQuietly(Path folder) {
    if (folder == null) {
      return;
    }
    try {
      FileUtils.delete(folder.toFile(), FileUtils.RECURSIVE | FileUtils.SKIP_MISSING);
    } catch (IOException e) {
      // a leftover ".incoming-" folder is harmless
    }
  }

  private Object lockFor(String interviewId) {
    return locks.computeIfAbsent(interviewId, k -> new Object());
  }

  private ArchiveUnavailableException unavailable(String interviewId, String why, Exception e) {
    return new ArchiveUnavailableException(
        "the archive of interview "
            + interviewId
            + " in s3://"
            + settings.bucket()
            + "/"
            + settings.archivePrefix()
            + (settings.endpoint().isEmpty() ? "" : " at " + settings.endpoint())
            + " cannot be used: "
            + why,
        e);
  }

  @Override
  public void close() {
    s3.close();
  }
}
