package dev.prequel.challenge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.prequel.error.ProblemException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Metadata an interviewer may edit in the portal: title, description, environment, duration. A null
 * (or, for the environment, blank) field stays as it is.
 */
public record MetadataEdit(
    String title, String description, String environment, Integer durationMinutes) {

  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));

  /**
   * Challenge {@code id}'s manifest with this edit applied; every other field of it stays. Refused
   * (400, naming the field) when the result is no valid manifest.
   */
  byte[] applyTo(String id, byte[] manifest) {
    try {
      ObjectNode yaml = (ObjectNode) YAML.readTree(manifest);
      if (title != null) {
        yaml.put("title", title.strip());
      }
      if (description != null) {
        yaml.put("description", description.strip().replace("\r\n", "\n"));
      }
      if (environment != null && !environment.isBlank()) {
        yaml.put("environment", environment.strip());
      }
      if (durationMinutes != null) {
        yaml.put("durationMinutes", durationMinutes);
      }
      byte[] updated = YAML.writeValueAsBytes(yaml);
      ManifestReader.read("challenge.yaml", id, updated);
      return updated;
    } catch (ManifestProblem e) {
      throw ProblemException.badInput(e.field(), e.field() + " " + e.reason());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
