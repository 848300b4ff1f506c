package dev.prequel.challenge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Challenges from a folder: each sub-folder holding a {@code challenge.yaml} (title, description)
 * is one challenge, its id being the folder's name. Read on every call, so edits show without a
 * restart. A broken manifest is logged with its file and reason and skipped; the others still load.
 */
public final class FolderChallenges implements ChallengeCatalog {

  private static final Logger log = LoggerFactory.getLogger(FolderChallenges.class);
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path root;

  public FolderChallenges(Path root) {
    this.root = root;
  }

  @Override
  public List<Challenge> list() {
    if (!Files.isDirectory(root)) {
      log.warn("challenges folder {} does not exist; no challenge can be chosen", root);
      return List.of();
    }
    List<Challenge> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.list(root)) {
      dirs.filter(Files::isDirectory).sorted().forEach(dir -> load(dir).ifPresent(found::add));
    } catch (IOException e) {
      log.warn("cannot list challenges in {}: {}", root, e.toString());
    }
    found.sort(Comparator.comparing(Challenge::title, String.CASE_INSENSITIVE_ORDER));
    return found;
  }

  @Override
  public Optional<Challenge> find(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      return Optional.empty();
    }
    Path dir = root.resolve(id);
    return Files.isDirectory(dir) ? load(dir) : Optional.empty();
  }

  private Optional<Challenge> load(Path dir) {
    String id = dir.getFileName().toString();
    Path manifest = dir.resolve("challenge.yaml");
    if (!ID.matcher(id).matches() || !Files.isRegularFile(manifest)) {
      return Optional.empty();
    }
    try {
      JsonNode yaml = YAML.readTree(manifest.toFile());
      String title = text(yaml, "title");
      if (title == null) {
        log.warn("challenge {}: field 'title' is missing; skipped", manifest);
        return Optional.empty();
      }
      String description = Optional.ofNullable(text(yaml, "description")).orElse("");
      return Optional.of(new Challenge(id, title, description.strip(), dir));
    } catch (IOException e) {
      log.warn("challenge {}: cannot be read ({}); skipped", manifest, e.getMessage());
      return Optional.empty();
    }
  }

  private static String text(JsonNode yaml, String field) {
    JsonNode n = yaml == null ? null : yaml.get(field);
    return n == null || n.isNull() || n.asText().isBlank() ? null : n.asText();
  }
}
