package dev.prequel;

import java.util.ArrayList;
import java.util.List;

/**
 * What keeps replicas on one PostgreSQL from each serving everything: whatever lives on one
 * machine. Said at start (log), in {@code /healthz} ({@code replicas}) and by {@code prequel
 * doctor}. PREQUEL_DATABASE_URL is the sign that several replicas may run: on the embedded H2 file
 * only one Prequel can, and nothing is said.
 */
public final class ReplicaCheck {

  private ReplicaCheck() {}

  /**
   * What another replica could not reach, each with what to do; empty when replicas share
   * everything (or when there is only one Prequel).
   *
   * @param runtime the runtime's name ({@code local}, {@code docker}, ...)
   */
  public static List<String> problems(Config config, String runtime) {
    if (config.database().embedded()) {
      return List.of();
    }
    List<String> found = new ArrayList<>();
    if ("local".equals(runtime)) {
      found.add(
          "the local runtime runs workspaces on this machine only: other replicas on this database"
              + " cannot reach or take over its workspaces. Run a single Prequel with it, or set"
              + " PREQUEL_RUNTIME=docker with one engine every replica reaches");
    }
    if (!config.s3().enabled()) {
      found.add(
          "challenges are kept in folders on this machine ("
              + config.dataDir().resolve("challenges")
              + " over "
              + config.challengesDir()
              + "): other replicas do not see uploads and edits made through this one. Set"
              + " PREQUEL_S3_BUCKET");
      found.add(
          "the archive is kept in a folder on this machine ("
              + config.archive().dir()
              + "): other replicas cannot show or take snapshots of this one's interviews. Set"
              + " PREQUEL_S3_BUCKET");
    }
    return found;
  }
}
