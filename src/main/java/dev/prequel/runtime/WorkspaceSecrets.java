package dev.prequel.runtime;

import dev.prequel.error.ProblemException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Environment variables an interviewer gives one interview's workspace (issue 17, 6: an AI
 * provider's key for an AI-assisted round): in the environment of the candidate's processes there,
 * nowhere else. Not a record: its {@link #toString} names the variables only, so that a spec or a
 * secret that reaches a log line, an exception or a debugger shows no value.
 */
public final class WorkspaceSecrets {

  /** At most this many per interview, each value at most {@link #MAX_VALUE_CHARS}. */
  public static final int MAX_COUNT = 20;

  public static final int MAX_VALUE_CHARS = 8192;

  private static final Pattern NAME = Pattern.compile("[A-Z_][A-Z0-9_]{0,63}");

  // What the sandbox, the shell and code-server set or read themselves: a secret by one of these
  // names would change how the workspace runs (LD_PRELOAD, NODE_OPTIONS) or what it trusts.
  private static final Set<String> RESERVED =
      Set.of(
          "PATH",
          "HOME",
          "USER",
          "LOGNAME",
          "SHELL",
          "LANG",
          "TZ",
          "PWD",
          "TERM",
          "TMPDIR",
          "HOSTNAME",
          "IFS",
          "ENV",
          "BASH_ENV",
          "NODE_OPTIONS",
          "NODE_PATH");
  private static final List<String> RESERVED_PREFIXES =
      List.of("LD_", "LC_", "PREQUEL", "VSCODE_", "CODE_SERVER", "ELECTRON_", "NPM_CONFIG");

  private static final WorkspaceSecrets NONE = new WorkspaceSecrets(Map.of());

  private final Map<String, String> values;

  private WorkspaceSecrets(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  public static WorkspaceSecrets none() {
    return NONE;
  }

  /**
   * These variables, checked: names as a shell takes them (upper case, digits, underscores), not
   * one the workspace sets itself, values without NUL and within bounds.
   *
   * @throws ProblemException (400) naming the first bad one, never showing a value
   */
  public static WorkspaceSecrets of(Map<String, String> values) {
    if (values.size() > MAX_COUNT) {
      throw ProblemException.badInput(
          "secrets", "at most " + MAX_COUNT + " secrets per interview, not " + values.size());
    }
    values.forEach(WorkspaceSecrets::check);
    return values.isEmpty() ? NONE : new WorkspaceSecrets(values);
  }

  private static void check(String name, String value) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw ProblemException.badInput(
          "secrets",
          "a secret's name is upper-case letters, digits and underscores, not starting with a"
              + " digit (e.g. OPENAI_API_KEY), at most 64 characters");
    }
    if (RESERVED.contains(name) || RESERVED_PREFIXES.stream().anyMatch(name::startsWith)) {
      throw ProblemException.badInput(
          "secrets", name + " is set by the workspace itself; choose another name");
    }
    if (value == null || value.isEmpty() || value.length() > MAX_VALUE_CHARS) {
      throw ProblemException.badInput(
          "secrets", name + ": a value of 1 to " + MAX_VALUE_CHARS + " characters is needed");
    }
    if (value.indexOf('\0') >= 0) {
      throw ProblemException.badInput("secrets", name + ": a value cannot hold a NUL character");
    }
  }

  /** The names, sorted: all that Prequel ever shows of them. */
  public Set<String> names() {
    return values.keySet();
  }

  /** Names and values, for the runtime that puts them into the workspace's environment. */
  public Map<String, String> values() {
    return values;
  }

  public boolean isEmpty() {
    return values.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WorkspaceSecrets other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  /** Names only. */
  @Override
  public String toString() {
    return "WorkspaceSecrets" + names();
  }
}
