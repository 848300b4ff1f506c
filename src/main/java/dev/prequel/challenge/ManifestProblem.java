package dev.prequel.challenge;

/**
 * A {@code challenge.yaml} that cannot be used: which file, which field, and why. The message reads
 * as one sentence for logs, the portal and {@code prequel doctor}.
 */
public final class ManifestProblem extends Exception {

  private static final long serialVersionUID = 1L;

  private final String file;
  private final String field;
  private final String reason;

  public ManifestProblem(String file, String field, String reason) {
    super(file + ": " + (field.isEmpty() ? "" : "field '" + field + "': ") + reason);
    this.file = file;
    this.field = field;
    this.reason = reason;
  }

  public String file() {
    return file;
  }

  /** The offending field (dotted, e.g. {@code tools[1].version}); empty for the whole file. */
  public String field() {
    return field;
  }

  public String reason() {
    return reason;
  }
}
