package dev.prequel.runtime;

import java.util.Map;

/**
 * The one place where the environment of a process Prequel starts is emptied: code-server, a
 * candidate's setup command, a tar in a sandbox, npm, slirp4netns, a host tool's version check.
 * Prequel's own environment holds its secrets (database password, S3 keys, the secret key, tokens);
 * none of it may reach a process a candidate can read, so every such process starts from nothing
 * and gets back only what it is given here or by its caller.
 */
public final class CleanEnvironment {

  private CleanEnvironment() {}

  /**
   * Empties {@code builder}'s environment, then gives back {@code LANG} (Prequel's, or {@code
   * C.UTF-8}) and those of {@code kept} that Prequel's environment sets (never a secret: names like
   * {@code TZ} or {@code USER}).
   *
   * @return the builder's environment, for the caller to add its own
   */
  public static Map<String, String> of(ProcessBuilder builder, String... kept) {
    Map<String, String> env = builder.environment();
    Map<String, String> parent = Map.copyOf(env);
    env.clear();
    env.put("LANG", parent.getOrDefault("LANG", "C.UTF-8"));
    for (String name : kept) {
      if (parent.containsKey(name)) {
        env.put(name, parent.get(name));
      }
    }
    return env;
  }
}
