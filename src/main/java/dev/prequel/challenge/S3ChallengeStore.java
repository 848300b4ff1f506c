package dev.prequel.challenge;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Challenges in an S3-compatible bucket: object {@code {prefix}{id}/{path}} holds one file. For
 * workspaces, a challenge is downloaded into a local cache folder named after its content (keys,
 * sizes, ETags), so unchanged challenges are downloaded once.
 */
public final class S3ChallengeStore implements ChallengeStore, AutoCloseable {

  private final S3Client s3;
  private final S3Settings settings;
  private final Path cacheDir;

  public S3ChallengeStore(S3Settings settings, Path cacheDir) {
    this.settings = settings;
    this.cacheDir = cacheDir.toAbsolutePath().normalize();
    this.s3 = settings.newClient();
  }

  @Override
  public String describe() {
    return "s3://"
        + settings.bucket()
        + "/"
        + settings.prefix()
        + (settings.endpoint().isEmpty() ? "" : " at " + settings.endpoint());
  }

  @Override
  public List<String> ids() throws IOException {
    List<String> ids = new ArrayList<>();
    call(
        () ->
            s3
                .listObjectsV2Paginator(
                    r -> r.bucket(settings.bucket()).prefix(settings.prefix()).delimiter("/"))
                .commonPrefixes()
                .stream()
                .map(CommonPrefix::prefix)
                .map(p -> p.substring(settings.prefix().length(), p.length() - 1))
                .filter(id -> ManifestReader.ID.matcher(id).matches())
                .forEach(ids::add));
    ids.sort(null);
    return ids;
  }

  @Override
  public List<StoredFile> files(String id) throws IOException {
    List<StoredFile> files = new ArrayList<>();
    for (S3Object o : objects(id)) {
      files.add(new StoredFile(o.key().substring(prefixOf(id).length()), o.size()));
    }
    return files;
  }

  @Override
  public Optional<byte[]> read(String id, String path) throws IOException {
    String key = key(id, path);
    try {
      return Optional.of(
          s3.getObjectAsBytes(r -> r.bucket(settings.bucket()).key(key)).asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      throw failure(e);
    }
  }

  @Override
  public void put(String id, Path folder) throws IOException {
    Set<String> written = new HashSet<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
        String key = key(id, FolderChallengeStore.relative(folder, p));
        call(
            () -> s3.putObject(r -> r.bucket(settings.bucket()).key(key), RequestBody.fromFile(p)));
        written.add(key);
      }
    }
    // Files of an earlier version that the new one no longer has.
    for (S3Object o : objects(id)) {
      if (!written.contains(o.key())) {
        call(() -> s3.deleteObject(r -> r.bucket(settings.bucket()).key(o.key())));
      }
    }
  }

  @Override
  public void write(String id, String path, byte[] content) throws IOException {
    if (objects(id).isEmpty()) {
      throw new NoSuchFileException(prefixOf(id), null, "no such challenge in " + describe());
    }
    String key = key(id, path);
    call(
        () ->
            s3.putObject(
                r -> r.bucket(settings.bucket()).key(key), RequestBody.fromBytes(content)));
  }

  @Override
  public Path materialize(String id) throws IOException {
    List<S3Object> objects = objects(id);
    if (objects.isEmpty()) {
      throw new NoSuchFileException(prefixOf(id), null, "no such challenge in " + describe());
    }
    Path target = cacheDir.resolve(id).resolve(version(objects));
    if (Files.isDirectory(target)) {
      return target;
    }
    Files.createDirectories(target.getParent());
    Path incoming = Files.createTempDirectory(target.getParent(), ".incoming-");
    try {
      for (S3Object o : objects) {
        Path file = incoming.resolve(o.key().substring(prefixOf(id).length())).normalize();
        if (!file.startsWith(incoming)) {
          continue; // a key like "id/../x" cannot leave the cache folder
        }
        Files.createDirectories(file.getParent());
        try (InputStream in = s3.getObject(r -> r.bucket(settings.bucket()).key(o.key()))) {
          Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (S3Exception e) {
          throw failure(e);
        }
      }
      try {
        Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        if (!Files.isDirectory(target)) { // else another thread materialised the same version
          throw e;
        }
      }
    } finally {
      FolderChallengeStore.deleteTree(incoming);
    }
    return target;
  }

  private List<S3Object> objects(String id) throws IOException {
    String prefix = prefixOf(id);
    List<S3Object> objects = new ArrayList<>();
    call(
        () ->
            s3.listObjectsV2Paginator(r -> r.bucket(settings.bucket()).prefix(prefix))
                .contents()
                .forEach(objects::add));
    objects.sort(java.util.Comparator.comparing(S3Object::key));
    return objects;
  }

  private static String version(List<S3Object> objects) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (S3Object o : objects) {
        sha.update(
            (o.key() + "\0" + o.size() + "\0" + o.eTag() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String prefixOf(String id) {
    if (id == null || !ManifestReader.ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a challenge id: " + id);
    }
    return settings.prefix() + id + "/";
  }

  private String key(String id, String path) {
    if (path.startsWith("/") || List.of(path.split("/")).contains("..") || path.isEmpty()) {
      throw new IllegalArgumentException("path leaves the challenge: " + path);
    }
    return prefixOf(id) + path;
  }

  private void call(Runnable request) throws IOException {
    try {
      request.run();
    } catch (S3Exception e) {
      throw failure(e);
    } catch (software.amazon.awssdk.core.exception.SdkClientException e) {
      throw new IOException(describe() + " " + settings.explain(e), e);
    }
  }

  /** S3's refusals, said in words an operator acts on. */
  private IOException failure(S3Exception e) {
    return new IOException(describe() + ": " + settings.explain(e), e);
  }

  @Override
  public void close() {
    s3.close();
  }
}
