package dev.prequel.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many live-events (SSE) clients on one selector thread, so that a thousand of them cost the
 * machine little besides what Prequel spends on them: each notes when every {@code data:} line
 * arrived and leaves parsing for later. (A thread per client, as java.net.http's line streams take
 * on 2 cores, would measure the bench's own scheduling.)
 */
final class SseSwarm implements AutoCloseable {

  /** One {@code data:} line and when it was read. */
  record Line(Instant arrived, String data) {}

  /** One client's connection and what it has received. */
  static final class Client {
    final SocketChannel channel;
    final List<Line> lines = new ArrayList<>();
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream(4096);
    private boolean inBody;
    private boolean chunked;
    private volatile boolean connected;

    Client(SocketChannel channel) {
      this.channel = channel;
    }

    boolean connected() {
      return connected;
    }

    synchronized String received() {
      return raw.toString(StandardCharsets.UTF_8);
    }

    synchronized int count() {
      return lines.size();
    }

    synchronized List<Line> lines() {
      return List.copyOf(lines);
    }

    /** Takes in bytes read at {@code now}; the body is chunked, so chunk framing is removed. */
    synchronized void take(byte[] bytes, int n, Instant now) {
      raw.write(bytes, 0, n);
      byte[] b = raw.toByteArray();
      int at = 0;
      if (!inBody) {
        int end = indexOf(b, 0, "\r\n\r\n");
        if (end < 0) {
          return;
        }
        inBody = true;
        chunked =
            new String(b, 0, end, StandardCharsets.ISO_8859_1)
                .toLowerCase(java.util.Locale.ROOT)
                .contains("transfer-encoding: chunked");
        at = end + 4;
      }
      if (!chunked) {
        lines(b, at, b.length, now);
        raw.reset();
        return;
      }
      while (true) {
        int eol = indexOf(b, at, "\r\n");
        if (eol < 0) {
          break;
        }
        int size = Integer.parseInt(new String(b, at, eol - at, StandardCharsets.US_ASCII), 16);
        if (b.length < eol + 2 + size + 2) {
          break;
        }
        lines(b, eol + 2, eol + 2 + size, now);
        at = eol + 2 + size + 2;
      }
      raw.reset();
      raw.write(b, at, b.length - at);
    }

    private void lines(byte[] b, int from, int to, Instant now) {
      for (int i = from; i < to; i++) {
        if (b[i] == '\n') {
          String text = line.toString(StandardCharsets.UTF_8);
          line.reset();
          if (text.startsWith(":")) {
            connected = true;
          } else if (text.startsWith("data:")) {
            lines.add(new Line(now, text.substring(5).strip()));
          }
        } else {
          line.write(b[i]);
        }
      }
    }
  }

  private final List<Client> clients = new ArrayList<>();
  private final Selector selector;
  private final Thread reader;
  private final AtomicInteger closed = new AtomicInteger();

  /** Connects {@code count} clients to Prequel's events (at most 100 connecting at once). */
  SseSwarm(PrequelProcess prequel, int count) throws IOException {
    selector = Selector.open();
    byte[] request =
        ("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:"
                + prequel.port
                + "\r\nAccept: text/event-stream\r\nAuthorization: "
                + prequel.authorization()
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < count; i++) {
      SocketChannel channel =
          SocketChannel.open(
              new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), prequel.port));
      ByteBuffer out = ByteBuffer.wrap(request);
      while (out.hasRemaining()) {
        channel.write(out);
      }
      channel.configureBlocking(false);
      Client c = new Client(channel);
      clients.add(c);
      channel.register(selector, SelectionKey.OP_READ, c);
    }
    reader = new Thread(this::read, "sse-swarm");
    reader.setDaemon(true);
    reader.start();
  }

  List<Client> clients() {
    return clients;
  }

  boolean allConnected() {
    return clients.stream().allMatch(Client::connected);
  }

  /** For a failure's message: how many are connected, and what one that is not has received. */
  String state() {
    long connected = clients.stream().filter(Client::connected).count();
    String pending =
        clients.stream().filter(c -> !c.connected()).findFirst().map(Client::received).orElse("");
    return connected + " of " + clients.size() + " connected; one that is not received: " + pending;
  }

  /** Clients whose connection the server closed. */
  int closedByServer() {
    return closed.get();
  }

  private void read() {
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    byte[] bytes = new byte[buffer.capacity()];
    try {
      while (selector.isOpen()) {
        selector.select();
        if (!selector.isOpen()) {
          return;
        }
        Instant now = Instant.now();
        for (SelectionKey key : selector.selectedKeys()) {
          Client c = (Client) key.attachment();
          buffer.clear();
          int n;
          try {
            n = c.channel.read(buffer);
          } catch (IOException e) {
            n = -1;
          }
          if (n < 0) {
            key.cancel();
            closed.incrementAndGet();
            continue;
          }
          buffer.flip();
          buffer.get(bytes, 0, n);
          c.take(bytes, n, now);
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | java.nio.channels.ClosedSelectorException e) {
      // closed
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

  @Override
  public void close() throws IOException {
    selector.close();
    for (Client c : clients) {
      c.channel.close();
    }
  }
}
