package dev.prequel.runtime.local;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Talks to a code-server over HTTP and looks at processes through /proc, as a test would by hand.
 */
final class CodeServerFixture {

  private CodeServerFixture() {}

  /** An HTTP answer as a test looks at it. */
  record Answer(int status, String head, String body) {}

  /** True when {@code GET /healthz} answers 200 over the workspace's socket. */
  static boolean healthy(URI endpoint) {
    try {
      return get(endpoint, "/healthz").status() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * {@code GET path} over the workspace's Unix socket ({@code unix:///…/code-server.sock}), as
   * Prequel's proxy reaches it. HTTP/1.0: the answer ends when the connection closes.
   */
  static Answer get(URI endpoint, String path) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(Path.of(endpoint.getPath())));
      channel.write(
          ByteBuffer.wrap(
              ("GET " + path + " HTTP/1.0\r\nHost: localhost\r\nAccept: text/html\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
      while (channel.read(buffer) > 0) {
        all.write(buffer.array(), 0, buffer.position());
        buffer.clear();
      }
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String body = split < 0 ? "" : text.substring(split + 4);
      int status = Integer.parseInt(head.substring(9, 12));
      return new Answer(status, head, body);
    }
  }

  /** Pids of running processes whose command line contains {@code text}. */
  static List<Long> processesMentioning(String text) {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : entries) {
        if (cmdline(entry).contains(text)) {
          pids.add(Long.parseLong(entry.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc", e);
    }
    return pids;
  }

  /**
   * The pids of a process and all its descendants (code-server and what it forks: extension host,
   * terminals).
   */
  static List<Long> tree(long rootPid) {
    List<Long> pids = new ArrayList<>();
    ProcessHandle.of(rootPid)
        .ifPresent(
            root -> {
              pids.add(root.pid());
              root.descendants().forEach(d -> pids.add(d.pid()));
            });
    return pids;
  }

  /** The root pid of a workspace's code-server, from its state file. */
  static long rootPid(Path interviewFolder) throws IOException {
    String json = Files.readString(interviewFolder.resolve("runtime.json"));
    return Long.parseLong(json.replaceAll("(?s).*\"pid\"\\s*:\\s*(\\d+).*", "$1"));
  }

  static String cmdline(long pid) {
    return cmdline(Path.of("/proc", Long.toString(pid)));
  }

  private static String cmdline(Path procEntry) {
    try {
      return new String(Files.readAllBytes(procEntry.resolve("cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** A process's environment, one {@code NAME=value} a line ("" when gone or not readable). */
  static String environment(long pid) {
    try {
      return new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")),
              StandardCharsets.UTF_8)
          .replace('\0', '\n');
    } catch (IOException e) {
      return "";
    }
  }

  /** Resident memory of a process in KiB (0 when gone). */
  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }
}
