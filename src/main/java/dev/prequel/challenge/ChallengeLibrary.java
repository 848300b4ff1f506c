package dev.prequel.challenge;

import dev.prequel.error.ProblemException;
import dev.prequel.store.ChallengeRecords;
import dev.prequel.store.ChallengeRecords.ChallengeRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The challenge library: challenges from a {@link ChallengeStore} (folder or S3) with their
 * validated manifests, what the database remembers about them (added, deleted, used), and whether
 * this host can run them. A broken manifest is reported with its file, field and reason and does
 * not hide the others.
 */
public final class ChallengeLibrary implements ChallengeCatalog {

  private static final Logger log = LoggerFactory.getLogger(ChallengeLibrary.class);

  /** How the library page orders challenges. */
  public enum Sort {
    NEWEST,
    MOST_USED,
    RECENTLY_USED,
    TITLE;

    public static Sort parse(String s) {
      for (Sort sort : values()) {
        if (sort.name().replace('_', '-').equalsIgnoreCase(s == null ? "" : s.strip())) {
          return sort;
        }
      }
      return NEWEST;
    }

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** A challenge whose manifest cannot be used. */
  public record Broken(String id, String file, String field, String reason) {
    public String message() {
      return file + ": " + (field.isEmpty() ? "" : "field '" + field + "': ") + reason;
    }
  }

  /** A file shown in the library's file browser. */
  public record Preview(String path, long size, String text) {
    /** Null text: binary or too large to show. */
    public boolean shown() {
      return text != null;
    }
  }

  private static final int PREVIEW_LIMIT = 256 * 1024;

  private final ChallengeStore store;
  private final ChallengeRecords records;
  private final HostTools tools;
  private final ChallengeArchive archive;
  private final Path scratch;
  private final Clock clock;

  public ChallengeLibrary(
      ChallengeStore store,
      ChallengeRecords records,
      HostTools tools,
      ChallengeArchive archive,
      Path scratch,
      Clock clock) {
    this.store = store;
    this.records = records;
    this.tools = tools;
    this.archive = archive;
    this.scratch = scratch;
    this.clock = clock;
  }

  public String storeDescription() {
    return store.describe();
  }

  public ChallengeArchive.Limits limits() {
    return archive.limits();
  }

  @Override
  public List<Challenge> list() {
    return library(Sort.TITLE);
  }

  /** The offered challenges (valid, not deleted) in the given order. */
  public List<Challenge> library(Sort sort) {
    List<Challenge> offered = new ArrayList<>();
    for (Object o : scan()) {
      if (o instanceof Challenge c && !c.deleted()) {
        offered.add(c);
      }
    }
    Comparator<Challenge> byTitle =
        Comparator.comparing(Challenge::title, String.CASE_INSENSITIVE_ORDER);
    Comparator<Challenge> order =
        switch (sort) {
          case NEWEST -> Comparator.comparing(Challenge::addedAt).reversed().thenComparing(byTitle);
          case MOST_USED ->
              Comparator.comparingInt(Challenge::useCount).reversed().thenComparing(byTitle);
          case RECENTLY_USED ->
              Comparator.comparing(
                      Challenge::lastUsedAt, Comparator.nullsLast(Comparator.reverseOrder()))
                  .thenComparing(byTitle);
          case TITLE -> byTitle;
        };
    offered.sort(order);
    return offered;
  }

  /** Challenges whose manifest cannot be used, with why. */
  public List<Broken> broken() {
    List<Broken> broken = new ArrayList<>();
    for (Object o : scan()) {
      if (o instanceof Broken b) {
        broken.add(b);
      }
    }
    return broken;
  }

  @Override
  public Optional<Challenge> find(String id) {
    if (id == null || !ManifestReader.ID.matcher(id).matches()) {
      return Optional.empty();
    }
    try {
      Object loaded = load(id, records.find(id));
      return loaded instanceof Challenge c ? Optional.of(c) : Optional.empty();
    } catch (IOException e) {
      log.warn("challenge {}: cannot be read from {}: {}", id, store.describe(), e.getMessage());
      return Optional.empty();
    }
  }

  /** A challenge that must exist (deleted ones included), else a 404 for the web layer. */
  public Challenge get(String id) {
    return find(id)
        .orElseThrow(() -> ProblemException.notFound("no challenge with id '" + id + "'"));
  }

  @Override
  public Path files(String id) throws IOException {
    return store.materialize(id);
  }

  @Override
  public void recordUse(String id, Instant at) {
    records.recordUse(id, at);
  }

  public List<ChallengeStore.StoredFile> fileList(String id) {
    get(id);
    return io(() -> store.files(id));
  }

  public Preview preview(String id, String path) {
    get(id);
    ChallengeStore.StoredFile file =
        io(() -> store.files(id)).stream()
            .filter(f -> f.path().equals(path))
            .findFirst()
            .orElseThrow(
                () ->
                    ProblemException.notFound("challenge '" + id + "' has no file '" + path + "'"));
    if (file.size() > PREVIEW_LIMIT) {
      return new Preview(path, file.size(), null);
    }
    byte[] bytes = io(() -> store.read(id, path)).orElse(new byte[0]);
    String text = new String(bytes, StandardCharsets.UTF_8);
    boolean binary = text.indexOf('\0') >= 0 || text.contains("\uFFFD");
    return new Preview(path, file.size(), binary ? null : text);
  }

  /**
   * Adds an uploaded challenge (unpacked into {@code folder}); refused when its manifest is broken
   * or a challenge with its id is already offered.
   */
  public Challenge add(Path folder) {
    Path manifestFile = folder.resolve(ManifestReader.FILE_NAME);
    if (!Files.isRegularFile(manifestFile)) {
      throw ProblemException.badInput(
          "file", "the upload has no challenge.yaml at its top level; every challenge needs one");
    }
    Manifest manifest;
    try {
      manifest = ManifestReader.read("challenge.yaml", null, Files.readAllBytes(manifestFile));
    } catch (ManifestProblem e) {
      throw ProblemException.badInput("file", "the upload's " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String id = manifest.id();
    Optional<Challenge> existing = find(id);
    if (existing.isPresent() && !existing.get().deleted()) {
      throw ProblemException.conflict(
          "a challenge with id '"
              + id
              + "' is already in the library; change the id in challenge.yaml or delete the other first");
    }
    io(
        () -> {
          store.put(id, folder);
          return null;
        });
    records.added(id, now());
    log.info("challenge {}: added to {}", id, store.describe());
    return get(id);
  }

  /** Unpacks an uploaded zip and adds it. */
  public Challenge addZip(Path zip) {
    return withScratch(
        dir -> {
          archive.unzip(zip, dir);
          return add(dir);
        });
  }

  /** Adds an uploaded folder. */
  public Challenge addFolder(List<? extends ChallengeArchive.UploadedFile> files) {
    if (files.isEmpty()) {
      throw ProblemException.badInput("file", "choose a zip file or a folder to upload");
    }
    return withScratch(
        dir -> {
          archive.unpackFolder(files, dir);
          return add(dir);
        });
  }

  /** Changes title, description, environment or duration; other fields of the manifest stay. */
  public Challenge edit(String id, MetadataEdit edit) {
    Challenge c = get(id);
    if (c.deleted()) {
      throw ProblemException.conflict("challenge '" + id + "' was deleted; it cannot be edited");
    }
    byte[] current = io(() -> store.read(id, ManifestReader.FILE_NAME)).orElseThrow();
    byte[] updated = edit.applyTo(id, current);
    io(
        () -> {
          store.write(id, ManifestReader.FILE_NAME, updated);
          return null;
        });
    return get(id);
  }

  /** Soft delete: no longer offered; interviews already using it keep their files. */
  public void delete(String id) {
    Challenge c = get(id);
    if (!c.deleted()) {
      records.markDeleted(id, now());
      log.info("challenge {}: deleted (kept for interviews that use it)", id);
    }
  }

  public void writeZip(String id, OutputStream out) {
    get(id);
    io(
        () -> {
          ChallengeArchive.zip(store, id, out);
          return null;
        });
  }

  /** Every stored challenge as a {@link Challenge} or a {@link Broken}. */
  private List<Object> scan() {
    List<Object> all = new ArrayList<>();
    try {
      Map<String, ChallengeRecord> known = records.all();
      for (String id : store.ids()) {
        try {
          all.add(load(id, Optional.ofNullable(known.get(id))));
        } catch (IOException e) {
          all.add(new Broken(id, location(id), "", "cannot be read: " + e.getMessage()));
        }
      }
    } catch (IOException e) {
      log.warn("cannot list challenges in {}: {}", store.describe(), e.getMessage());
    }
    return all;
  }

  /** A Challenge, a Broken, or null when there is no such challenge. */
  private Object load(String id, Optional<ChallengeRecord> known) throws IOException {
    Optional<byte[]> yaml = store.read(id, ManifestReader.FILE_NAME);
    if (yaml.isEmpty()) {
      return store.files(id).isEmpty()
          ? null
          : new Broken(id, location(id), "", "is missing; every challenge needs one");
    }
    Manifest manifest;
    try {
      manifest = ManifestReader.read(location(id), id, yaml.get());
    } catch (ManifestProblem e) {
      log.warn("challenge {}: {}", id, e.getMessage());
      return new Broken(id, e.file(), e.field(), e.reason());
    }
    ChallengeRecord r = known.orElseGet(() -> records.ensure(id, now()));
    return new Challenge(
        id,
        manifest,
        r.addedAt(),
        r.deleted(),
        r.useCount(),
        r.lastUsedAt(),
        tools.missing(manifest.tools()));
  }

  private String location(String id) {
    return id + "/" + ManifestReader.FILE_NAME + " in " + store.describe();
  }

  private Instant now() {
    return clock.instant();
  }

  private interface IoAction<T> {
    T run() throws IOException;
  }

  private interface ScratchAction<T> {
    T run(Path dir) throws IOException;
  }

  private <T> T withScratch(ScratchAction<T> action) {
    return io(
        () -> {
          Files.createDirectories(scratch);
          Path dir = Files.createTempDirectory(scratch, "upload-");
          try {
            return action.run(dir);
          } finally {
            FolderChallengeStore.deleteTree(dir);
          }
        });
  }

  private static <T> T io(IoAction<T> action) {
    try {
      return action.run();
    } catch (IOException e) {
      // the store's messages say what to check (credentials, bucket, folder)
      throw ProblemException.unavailable("the challenge store failed: " + e.getMessage());
    }
  }
}
