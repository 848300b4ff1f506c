package dev.prequel.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A closed-loop HTTP/1.1 load generator in the manner of wrk: {@code connections} keep-alive
 * connections, each sending its next GET as soon as the last answer is complete, all on one
 * selector thread. It speaks TCP and Unix sockets alike, so a sandboxed workspace's code-server is
 * measured directly on its socket, with no bridge in between (socat forked a process per connection
 * and cost more than it measured), and the same client measures every row of the comparison.
 */
final class HttpLoad {

  /** Requests per second, latency percentiles in ms, and answers that were not 2xx/3xx. */
  record Result(double requestsPerSecond, double p50, double p99, long errors, long reconnects) {}

  private final SocketAddress target;
  private final byte[] request;
  private final int connections;

  /**
   * @param target {@code unix:/path} or {@code host:port}
   * @param headers extra request headers ("Name: value"), e.g. a login cookie
   */
  HttpLoad(String target, String host, String path, List<String> headers, int connections) {
    this.target = address(target);
    StringBuilder r = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\n");
    r.append("Host: ").append(host).append("\r\n");
    for (String h : headers) {
      r.append(h).append("\r\n");
    }
    this.request = r.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    this.connections = connections;
  }

  static SocketAddress address(String target) {
    if (target.startsWith("unix:")) {
      return UnixDomainSocketAddress.of(target.substring("unix:".length()));
    }
    int colon = target.lastIndexOf(':');
    return new InetSocketAddress(
        target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
  }

  /** Loads the target for {@code duration} and reports what it answered. */
  Result run(Duration duration) throws IOException {
    long[] latencies = new long[1 << 16];
    int count = 0;
    long errors = 0;
    long reconnects = 0;
    try (Selector selector = Selector.open()) {
      for (int i = 0; i < connections; i++) {
        send(open(selector));
      }
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
      while (System.nanoTime() < end) {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          Exchange x = (Exchange) key.attachment();
          buffer.clear();
          int n;
          try {
            n = x.channel.read(buffer);
          } catch (IOException e) {
            n = -1;
          }
          if (n < 0) {
            key.cancel();
            x.channel.close();
            reconnects++;
            send(open(selector));
            continue;
          }
          buffer.flip();
          x.received.write(toArray(buffer), 0, n);
          int status = x.complete();
          if (status > 0) {
            if (count == latencies.length) {
              latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = System.nanoTime() - x.sentAt;
            if (status >= 400) {
              errors++;
            }
            send(x);
          }
        }
        selector.selectedKeys().clear();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return new Result(
          count / seconds, percentile(sorted, 0.50), percentile(sorted, 0.99), errors, reconnects);
    }
  }

  private Exchange open(Selector selector) throws IOException {
    SocketChannel channel =
        target instanceof UnixDomainSocketAddress
            ? SocketChannel.open(StandardProtocolFamily.UNIX)
            : SocketChannel.open();
    channel.connect(target);
    channel.configureBlocking(false);
    Exchange x = new Exchange(channel);
    channel.register(selector, SelectionKey.OP_READ, x);
    return x;
  }

  private void send(Exchange x) throws IOException {
    x.received.reset();
    x.sentAt = System.nanoTime();
    ByteBuffer out = ByteBuffer.wrap(request);
    while (out.hasRemaining()) {
      x.channel.write(out); // a few hundred bytes into an empty socket buffer
    }
  }

  private static byte[] toArray(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  /** One connection and the answer it is receiving. */
  private static final class Exchange {
    final SocketChannel channel;
    final ByteArrayOutputStream received = new ByteArrayOutputStream(8192);
    long sentAt;

    Exchange(SocketChannel channel) {
      this.channel = channel;
    }

    /** The status once the whole answer is in, else 0. */
    int complete() {
      byte[] b = received.toByteArray();
      int headerEnd = indexOf(b, 0, "\r\n\r\n");
      if (headerEnd < 0) {
        return 0;
      }
      String head =
          new String(b, 0, headerEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      int status = Integer.parseInt(head.substring(9, 12));
      int body = headerEnd + 4;
      int length = header(head, "content-length");
      if (length >= 0) {
        return b.length >= body + length ? status : 0;
      }
      if (head.contains("\r\ntransfer-encoding: chunked")) {
        return chunkedEnd(b, body) ? status : 0;
      }
      return status == 204 || status == 304 ? status : 0;
    }

    private static int header(String head, String name) {
      int at = head.indexOf("\r\n" + name + ":");
      if (at < 0) {
        return -1;
      }
      int from = at + name.length() + 3;
      int eol = head.indexOf("\r\n", from);
      return Integer.parseInt(head.substring(from, eol < 0 ? head.length() : eol).strip());
    }

    /** Whether the chunked body starting at {@code at} has reached its last (empty) chunk. */
    private static boolean chunkedEnd(byte[] b, int at) {
      while (true) {
        int eol = indexOf(b, at, "\r\n");
        if (eol < 0) {
          return false;
        }
        String size = new String(b, at, eol - at, StandardCharsets.ISO_8859_1);
        int semicolon = size.indexOf(';');
        int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
        if (n == 0) {
          return indexOf(b, eol + 2, "\r\n") >= 0; // the empty trailer's line
        }
        at = eol + 2 + n + 2;
        if (at > b.length) {
          return false;
        }
      }
    }

    private static int indexOf(byte[] b, int from, String s) {
      outer:
      for (int i = from; i <= b.length - s.length(); i++) {
        for (int j = 0; j < s.length(); j++) {
          if (b[i + j] != s.charAt(j)) {
            continue outer;
          }
        }
        return i;
      }
      return -1;
    }
  }
}
