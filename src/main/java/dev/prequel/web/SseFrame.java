package dev.prequel.web;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * One Server-Sent Events message, encoded once: every client's queue holds the same bytes, so an
 * event costs its size once in memory however many clients there are.
 */
final class SseFrame {

  /** The event's id ({@code id:} line), or -1 for a comment, which every client gets. */
  final long id;

  /** Never changed once made: written to many sockets, possibly at once. */
  private final byte[] bytes;

  private SseFrame(long id, byte[] bytes) {
    this.id = id;
    this.bytes = bytes;
  }

  /**
   * {@code id:}, {@code event:}, then the data line by line: the order Javalin's own emitter used,
   * so a reader that notes the id when the data comes sees it.
   */
  static SseFrame event(String name, long id, String data) {
    StringBuilder b =
        new StringBuilder(data.length() + 48)
            .append("id: ")
            .append(id)
            .append("\nevent: ")
            .append(name);
    // JSON from Jackson has no raw line breaks; split anyway, since one would end the message
    for (String line : data.split("\r\n|\r|\n", -1)) {
      b.append("\ndata: ").append(line);
    }
    b.append("\n\n");
    return new SseFrame(id, b.toString().getBytes(UTF_8));
  }

  /** A comment line: clients ignore it; proxies see traffic, and a gone client is noticed. */
  static SseFrame comment(String text) {
    return new SseFrame(-1, (": " + text + "\n\n").getBytes(UTF_8));
  }

  boolean isComment() {
    return id < 0;
  }

  int size() {
    return bytes.length;
  }

  /** A view for one write (each write needs a position of its own; Jetty only reads it). */
  java.nio.ByteBuffer buffer() {
    return java.nio.ByteBuffer.wrap(bytes);
  }

  void copyTo(java.nio.ByteBuffer into) {
    into.put(bytes);
  }
}
