package dev.prequel.runtime.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Talks to a code-server over HTTP and looks at processes through /proc, as a test would by hand.
 */
final class CodeServerFixture {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          // HttpClient asks plain-HTTP servers to upgrade to h2c; code-server answers that request
          // with 400.
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  private CodeServerFixture() {}

  /** True when {@code GET {endpoint}/healthz} answers 200. */
  static boolean healthy(URI endpoint) {
    try {
      return get(endpoint, "/healthz").statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static HttpResponse<String> get(URI endpoint, String path)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> login(URI endpoint, String password)
      throws IOException, InterruptedException {
    String form = "password=" + java.net.URLEncoder.encode(password, StandardCharsets.UTF_8);
    return HTTP.send(
        HttpRequest.newBuilder(endpoint.resolve("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
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
   * The pids of a process and all its descendants (code-server's launcher forks the actual server).
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
