package dev.prequel.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** YAML manifests read with fabric8's model, as the API server would take them. */
final class Manifests {

  private Manifests() {}

  static List<HasMetadata> read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in);
    }
  }

  /** Every object of a (multi-document) YAML stream. */
  static List<HasMetadata> parse(InputStream in) {
    Object parsed = new KubernetesSerialization().unmarshal(in);
    List<HasMetadata> all = new ArrayList<>();
    if (parsed instanceof List<?> list) {
      list.forEach(o -> all.add((HasMetadata) o));
    } else if (parsed != null) {
      all.add((HasMetadata) parsed);
    }
    return all;
  }

  static <T extends HasMetadata> List<T> read(Path file, Class<T> kind) throws IOException {
    return read(file).stream().filter(kind::isInstance).map(kind::cast).toList();
  }
}
