package dev.prequel.runtime;

/** The VS Code user settings a candidate starts with. */
public final class CodeServerSettings {

  private CodeServerSettings() {}

  /**
   * The terminals' environment ({@code terminal.integrated.env.linux}) is {@link
   * TerminalHistory#SHELL_ENVIRONMENT}: their bash appends each command line to its history file,
   * which the interviewer's seat shows. The candidate can change these, like every setting.
   */
  public static final String USER_SETTINGS =
      """
      {
        "workbench.startupEditor": "readme",
        "security.workspace.trust.enabled": false,
        "telemetry.telemetryLevel": "off",
        "terminal.integrated.gpuAcceleration": "off",
        "terminal.integrated.enablePersistentSessions": false,
        "terminal.integrated.env.linux": {
          "HISTCONTROL": "ignorespace",
          "HISTTIMEFORMAT": "%F %T ",
          "PROMPT_COMMAND": "history -a"
        },
        "update.mode": "none",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "workbench.enableExperiments": false,
        "workbench.tips.enabled": false
      }
      """;

  // Every setting that matters is passed on the command line; an own config file keeps code-server
  // from writing a default one (with a random password of its own) into HOME. No password: the
  // candidate logs in at Prequel's proxy, the only one that can reach code-server's socket.
  public static final String CONFIG_FILE =
      """
      # Written by Prequel. Settings come from the command line; the candidate logs in at Prequel.
      auth: none
      """;
}
