package dev.prequel.error;

/**
 * The few ways a request can be refused. The web layer maps each kind to one HTTP status in one
 * place; the message says what was wrong and what to do, and is shown to the user as it is.
 */
public class ProblemException extends RuntimeException {

  /** What kind of problem; decides the HTTP status. */
  public enum Kind {
    BAD_INPUT(400),
    /** No signed-in user, or wrong credentials. */
    UNAUTHORIZED(401),
    /** Signed in, but not allowed (role, or a missing CSRF token). */
    FORBIDDEN(403),
    NOT_FOUND(404),
    CONFLICT(409),
    TOO_LARGE(413),
    /** A body of a type the endpoint does not take (e.g. a form or text/plain sent to the API). */
    UNSUPPORTED_MEDIA_TYPE(415),
    TOO_MANY_REQUESTS(429),
    UNAVAILABLE(503);

    public final int httpStatus;

    Kind(int httpStatus) {
      this.httpStatus = httpStatus;
    }
  }

  private final Kind kind;
  private final String field;

  private ProblemException(Kind kind, String field, String message) {
    super(message);
    this.kind = kind;
    this.field = field;
  }

  /**
   * Input that cannot be accepted; {@code field} names the offending field (for forms), or null.
   */
  public static ProblemException badInput(String field, String message) {
    return new ProblemException(Kind.BAD_INPUT, field, message);
  }

  public static ProblemException notFound(String message) {
    return new ProblemException(Kind.NOT_FOUND, null, message);
  }

  public static ProblemException unauthorized(String message) {
    return new ProblemException(Kind.UNAUTHORIZED, null, message);
  }

  public static ProblemException forbidden(String message) {
    return new ProblemException(Kind.FORBIDDEN, null, message);
  }

  public static ProblemException tooLarge(String field, String message) {
    return new ProblemException(Kind.TOO_LARGE, field, message);
  }

  public static ProblemException tooManyRequests(String message) {
    return new ProblemException(Kind.TOO_MANY_REQUESTS, null, message);
  }

  public static ProblemException conflict(String message) {
    return new ProblemException(Kind.CONFLICT, null, message);
  }

  public static ProblemException unavailable(String message) {
    return new ProblemException(Kind.UNAVAILABLE, null, message);
  }

  public static ProblemException unsupportedMediaType(String message) {
    return new ProblemException(Kind.UNSUPPORTED_MEDIA_TYPE, null, message);
  }

  public Kind kind() {
    return kind;
  }

  /** The input field at fault, or null when the problem is not about one field. */
  public String field() {
    return field;
  }

  /** A short machine-readable name for API clients, e.g. {@code bad_input}. */
  public String code() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
