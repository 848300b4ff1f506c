package dev.prequel.archive;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.FileUtils;

/**
 * Keeps each interview's timeline as a bare git repository, {@code {root}/{id}.git}: a snapshot is
 * a commit on {@code refs/heads/main} whose message is its manifest. Git gives unchanged files for
 * free (same content, same object) and history and diffs without code of our own.
 */
public final class GitArchiveStore implements ArchiveStore {

  private static final String BRANCH = "refs/heads/main";
  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,99}");

  private final Path root;
  private final Map<String, Object> locks = new ConcurrentHashMap<>();

  public GitArchiveStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public Snapshot record(String interviewId, Request request, FileFeed files) {
    synchronized (lockFor(interviewId)) {
      try (Repository repo = open(interviewId, true);
          ObjectInserter inserter = repo.newObjectInserter()) {
        DirCache index = DirCache.newInCore();
        DirCacheBuilder builder = index.builder();
        List<String> leftOut = new ArrayList<>(request.leftOut());
        long[] totals = {0, 0};
        try {
          files.feedTo(
              (path, executable, content) -> {
                byte[] bytes = content.readAllBytes();
                DirCacheEntry entry;
                try {
                  entry = new DirCacheEntry(path);
                } catch (IllegalArgumentException e) {
                  leftOut.add(path + ": its name cannot be stored in the archive");
                  return;
                }
                entry.setFileMode(executable ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
                entry.setLength(bytes.length);
                entry.setObjectId(inserter.insert(Constants.OBJ_BLOB, bytes));
                builder.add(entry);
                totals[0]++;
                totals[1] += bytes.length;
              });
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the workspace's files: " + e, e);
        }
        builder.finish();
        ObjectId tree = index.writeTree(inserter);
        ObjectId head = head(repo);
        if (head != null) {
          try (RevWalk walk = new RevWalk(repo)) {
            RevCommit latest = walk.parseCommit(head);
            Snapshot previous = toSnapshot(latest);
            boolean closing = request.reason().equals(Snapshot.FINAL);
            if (previous.reason().equals(Snapshot.FINAL) && !closing) {
              return previous; // the timeline has ended: a late periodic snapshot must not follow
            }
            if (latest.getTree().getId().equals(tree)
                && (!closing || previous.reason().equals(Snapshot.FINAL))) {
              return previous; // unchanged: nothing to write
            }
          }
        }
        Snapshot snapshot =
            new Snapshot(
                null,
                request.takenAt(),
                request.reason(),
                (int) totals[0],
                totals[1],
                List.copyOf(leftOut),
                List.copyOf(request.skippedFolders()));
        CommitBuilder commit = new CommitBuilder();
        commit.setTreeId(tree);
        if (head != null) {
          commit.setParentId(head);
        }
        PersonIdent prequel =
            new PersonIdent("Prequel", "prequel@localhost", request.takenAt(), ZoneOffset.UTC);
        commit.setAuthor(prequel);
        commit.setCommitter(prequel);
        commit.setMessage(Manifest.write(snapshot));
        ObjectId id = inserter.insert(commit);
        inserter.flush();
        moveBranch(repo, head, id);
        return new Snapshot(
            id.name(),
            snapshot.takenAt(),
            snapshot.reason(),
            snapshot.fileCount(),
            snapshot.bytes(),
            snapshot.leftOut(),
            snapshot.skippedFolders());
      } catch (IOException e) {
        throw unavailable(interviewId, e);
      }
    }
  }

  /**
   * Points the branch at the new commit. A lock file left by a process killed mid-update would
   * block every later update; we hold this interview's lock, so any lock file found is stale.
   */
  private static void moveBranch(Repository repo, ObjectId expected, ObjectId next)
      throws IOException {
    for (int attempt = 0; ; attempt++) {
      RefUpdate update = repo.updateRef(BRANCH);
      update.setNewObjectId(next);
      update.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
      RefUpdate.Result result = update.update();
      switch (result) {
        case NEW, FAST_FORWARD -> {
          return;
        }
        case LOCK_FAILURE -> {
          Path lock = repo.getDirectory().toPath().resolve(BRANCH + ".lock");
          if (attempt == 0 && Files.deleteIfExists(lock)) {
            continue;
          }
          throw new IOException("cannot update " + BRANCH + ": " + result);
        }
        default -> throw new IOException("cannot update " + BRANCH + ": " + result);
      }
    }
  }

  @Override
  public List<Snapshot> snapshots(String interviewId) {
    try (Repository repo = open(interviewId, false)) {
      if (repo == null) {
        return List.of();
      }
      ObjectId head = head(repo);
      List<Snapshot> found = new ArrayList<>();
      try (RevWalk walk = new RevWalk(repo)) {
        RevCommit c = head == null ? null : walk.parseCommit(head);
        while (c != null) {
          found.add(toSnapshot(c));
          c = c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0));
        }
      }
      Collections.reverse(found);
      return found;
    } catch (IOException e) {
      throw unavailable(interviewId, e);
    }
  }

  @Override
  public List<SnapshotFile> files(String interviewId, String snapshotId) {
    try (Repository repo = openExisting(interviewId);
        RevWalk walk = new RevWalk(repo);
        TreeWalk tree = new TreeWalk(repo)) {
      tree.addTree(walk.parseCommit(ObjectId.fromString(snapshotId)).getTree());
      tree.setRecursive(true);
      List<SnapshotFile> files = new ArrayList<>();
      ObjectReader reader = tree.getObjectReader();
      while (tree.next()) {
        files.add(
            new SnapshotFile(
                tree.getPathString(),
                reader.getObjectSize(tree.getObjectId(0), Constants.OBJ_BLOB)));
      }
      return files;
    } catch (IOException e) {
      throw unavailable(interviewId, e);
    }
  }

  @Override
  public Optional<byte[]> read(String interviewId, String snapshotId, String path, int limit) {
    try (Repository repo = openExisting(interviewId);
        RevWalk walk = new RevWalk(repo)) {
      RevCommit commit = walk.parseCommit(ObjectId.fromString(snapshotId));
      try (TreeWalk found = TreeWalk.forPath(repo, path, commit.getTree())) {
        if (found == null || found.isSubtree()) {
          return Optional.empty();
        }
        try (InputStream in = repo.open(found.getObjectId(0)).openStream()) {
          return Optional.of(in.readNBytes(limit));
        }
      }
    } catch (IOException e) {
      throw unavailable(interviewId, e);
    }
  }

  @Override
  public List<FileChange> diff(String interviewId, String fromId, String toId) {
    try (Repository repo = openExisting(interviewId);
        RevWalk walk = new RevWalk(repo)) {
      ObjectId from =
          fromId == null ? null : walk.parseCommit(ObjectId.fromString(fromId)).getTree();
      ObjectId to = walk.parseCommit(ObjectId.fromString(toId)).getTree();
      ByteArrayOutputStream patch = new ByteArrayOutputStream();
      List<FileChange> changes = new ArrayList<>();
      try (DiffFormatter formatter = new DiffFormatter(patch)) {
        formatter.setRepository(repo);
        formatter.setDetectRenames(true);
        for (DiffEntry entry : formatter.scan(from, to)) {
          patch.reset();
          formatter.format(entry);
          formatter.flush();
          changes.add(
              new FileChange(
                  entry.getChangeType().name().toLowerCase(java.util.Locale.ROOT),
                  entry.getChangeType() == DiffEntry.ChangeType.ADD ? null : entry.getOldPath(),
                  entry.getChangeType() == DiffEntry.ChangeType.DELETE ? null : entry.getNewPath(),
                  patch.toString(java.nio.charset.StandardCharsets.UTF_8)));
        }
      }
      return changes;
    } catch (IOException e) {
      throw unavailable(interviewId, e);
    }
  }

  @Override
  public void writeZip(String interviewId, String snapshotId, OutputStream out) throws IOException {
    try (Repository repo = openExisting(interviewId);
        RevWalk walk = new RevWalk(repo);
        TreeWalk tree = new TreeWalk(repo)) {
      RevCommit commit = walk.parseCommit(ObjectId.fromString(snapshotId));
      FileTime time = FileTime.from(commit.getCommitterIdent().getWhenAsInstant());
      tree.addTree(commit.getTree());
      tree.setRecursive(true);
      ZipOutputStream zip = new ZipOutputStream(out);
      while (tree.next()) {
        ZipEntry entry = new ZipEntry(interviewId + "/" + tree.getPathString());
        entry.setLastModifiedTime(time);
        zip.putNextEntry(entry);
        repo.open(tree.getObjectId(0)).copyTo(zip);
        zip.closeEntry();
      }
      zip.finish();
    }
  }

  @Override
  public void delete(String interviewId) {
    synchronized (lockFor(interviewId)) {
      try {
        FileUtils.delete(
            dir(interviewId).toFile(),
            FileUtils.RECURSIVE | FileUtils.SKIP_MISSING | FileUtils.RETRY);
      } catch (IOException e) {
        throw unavailable(interviewId, e);
      }
    }
  }

  /** The interview's repository folder; rejects ids that could leave the root. */
  Path dir(String interviewId) {
    if (interviewId == null || !SAFE_ID.matcher(interviewId).matches()) {
      throw new IllegalArgumentException("not an interview id: " + interviewId);
    }
    return root.resolve(interviewId + ".git");
  }

  /** The interview's repository; null when it has none and {@code create} is false. */
  private Repository open(String interviewId, boolean create) throws IOException {
    Path dir = dir(interviewId);
    boolean exists = Files.isRegularFile(dir.resolve("HEAD"));
    if (!exists && !create) {
      return null;
    }
    Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
    if (!exists) {
      Files.createDirectories(root);
      repo.create(true);
    }
    return repo;
  }

  private Repository openExisting(String interviewId) throws IOException {
    Repository repo = open(interviewId, false);
    if (repo == null) {
      throw new IOException("interview " + interviewId + " has no archive");
    }
    return repo;
  }

  private static ObjectId head(Repository repo) throws IOException {
    Ref ref = repo.exactRef(BRANCH);
    return ref == null ? null : ref.getObjectId();
  }

  private static Snapshot toSnapshot(RevCommit c) {
    return Manifest.read(c.getName(), c.getFullMessage(), c.getCommitterIdent().getWhenAsInstant());
  }

  private Object lockFor(String interviewId) {
    return locks.computeIfAbsent(interviewId, k -> new Object());
  }

  private static ArchiveUnavailableException unavailable(String interviewId, IOException e) {
    return new ArchiveUnavailableException(
        "the archive of interview " + interviewId + " cannot be used: " + e.getMessage(), e);
  }
}
