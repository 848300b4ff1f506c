package dev.prequel.seat;

import java.util.Arrays;
import java.util.Objects;

/**
 * A file's bytes as the seat keeps them, or why it keeps none (too large, past the seat's budget).
 * Not a record: records compare arrays by identity, and here content is what matters.
 */
final class Held {

  private final byte[] bytes;
  private final long size;
  private final String why;

  private Held(byte[] bytes, long size, String why) {
    this.bytes = bytes;
    this.size = size;
    this.why = why;
  }

  static Held of(byte[] bytes) {
    return new Held(bytes.clone(), bytes.length, null);
  }

  static Held withheld(long size, String why) {
    return new Held(null, size, why);
  }

  /** The content (a copy), or null when withheld. */
  byte[] bytes() {
    return bytes == null ? null : bytes.clone();
  }

  long size() {
    return size;
  }

  /** Why the content is withheld, or null. */
  String why() {
    return why;
  }

  boolean withheld() {
    return bytes == null;
  }

  /** Whether two versions are the same content; withheld ones compare by size only. */
  boolean sameAs(Held other) {
    if (bytes != null && other.bytes != null) {
      return Arrays.equals(bytes, other.bytes);
    }
    return size == other.size;
  }

  long heldBytes() {
    return bytes == null ? 0 : bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Held h
        && size == h.size
        && Arrays.equals(bytes, h.bytes)
        && Objects.equals(why, h.why);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(size);
  }

  @Override
  public String toString() {
    return "Held[size=" + size + (why == null ? "" : ", " + why) + "]";
  }
}
