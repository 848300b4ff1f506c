package dev.prequel.challenge;

import dev.prequel.runtime.Outbound;
import dev.prequel.runtime.WorkspaceLimits;
import java.time.Duration;
import java.util.List;

/**
 * A challenge's {@code challenge.yaml}, validated: everything Prequel needs to offer, set up and
 * describe it.
 *
 * @param description Markdown, shown rendered with raw HTML escaped
 * @param environment what the candidate works in ({@code javascript}, {@code python}, {@code sql},
 *     ...); informational
 * @param setup shell commands run in the workspace folder while the interview is {@code
 *     configuring}, in order
 * @param setupTimeout how long all setup commands may take together
 * @param reuse folders setup makes from the challenge's files alone ({@code node_modules}); kept
 *     from one setup and copied into later workspaces instead of running setup again
 * @param open files (relative to the workspace) opened when the candidate arrives
 * @param test the command that runs the challenge's tests in the workspace folder
 * @param network whether the workspace may open outbound connections ({@code none} unless said)
 * @param tools what this host must have for the challenge to run
 * @param scorecard the criteria interviewers score candidates on ({@link #DEFAULT_SCORECARD} when
 *     the manifest names none)
 */
public record Manifest(
    String id,
    String title,
    String description,
    String environment,
    List<String> setup,
    Duration setupTimeout,
    List<String> reuse,
    List<String> open,
    String test,
    int durationMinutes,
    Resources resources,
    Outbound network,
    List<Tool> tools,
    List<String> scorecard) {

  /** The criteria of a challenge whose manifest names none. */
  public static final List<String> DEFAULT_SCORECARD =
      List.of("Problem solving", "Code quality", "Testing", "Communication");

  /** Without scorecard criteria of its own. */
  public Manifest(
      String id,
      String title,
      String description,
      String environment,
      List<String> setup,
      Duration setupTimeout,
      List<String> reuse,
      List<String> open,
      String test,
      int durationMinutes,
      Resources resources,
      Outbound network,
      List<Tool> tools) {
    this(
        id,
        title,
        description,
        environment,
        setup,
        setupTimeout,
        reuse,
        open,
        test,
        durationMinutes,
        resources,
        network,
        tools,
        DEFAULT_SCORECARD);
  }

  public Manifest {
    scorecard = List.copyOf(scorecard.isEmpty() ? DEFAULT_SCORECARD : scorecard);
    setup = List.copyOf(setup);
    reuse = List.copyOf(reuse);
    open = List.copyOf(open);
    tools = List.copyOf(tools);
  }

  /**
   * What a workspace of this challenge may use; runtimes that can limit resources honour it, held
   * to the operator's limits. A field the manifest leaves out has {@link WorkspaceLimits#DEFAULT}'s
   * value.
   */
  public record Resources(double cpus, int memoryMb, int processes, int diskMb) {

    /** With the default disk. */
    public Resources(double cpus, int memoryMb, int processes) {
      this(cpus, memoryMb, processes, WorkspaceLimits.DEFAULT_DISK_MB);
    }

    public WorkspaceLimits limits() {
      return new WorkspaceLimits((int) Math.round(cpus * 1000), memoryMb, processes, diskMb);
    }
  }

  /**
   * A program the challenge needs on the host.
   *
   * @param name what people call it ({@code node}, {@code python3})
   * @param command what to run: a name looked up on PATH, or an absolute path
   * @param minVersion the lowest acceptable version ({@code 18}, {@code 3.9}), or empty for any
   * @param modules Python modules that must import ({@code pandas}); for other tools, empty
   * @param install how an operator installs it, shown by the portal and {@code prequel doctor}
   */
  public record Tool(
      String name, String command, String minVersion, List<String> modules, String install) {
    public Tool {
      modules = List.copyOf(modules);
    }

    /** {@code node >= 18}, {@code python3 (pandas, pytest)}. */
    public String describe() {
      return name
          + (minVersion.isEmpty() ? "" : " >= " + minVersion)
          + (modules.isEmpty() ? "" : " with " + String.join(", ", modules));
    }
  }
}
