package dev.prequel.archive;

/** The archive store cannot be written or read right now (disk full, bucket down, ...). */
public final class ArchiveUnavailableException extends RuntimeException {
  public ArchiveUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
