package dev.prequel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk (Debian's package) against a URL and reads its summary. */
final class Wrk {

  /** Requests per second and latency percentiles in ms. */
  record Result(double requestsPerSecond, double p50, double p99, long errors) {}

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PCT = Pattern.compile("^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)\\s*$");
  private static final Pattern ERR = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  private Wrk() {}

  /**
   * @param headers extra request headers ("Name: value"), e.g. the workspace's Host and login
   *     cookie
   */
  static Result run(String url, List<String> headers, int connections, int seconds)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency"));
    for (String header : headers) {
      cmd.addAll(List.of("-H", header));
    }
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("wrk failed: " + out);
    }
    Matcher rps = RPS.matcher(out);
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    for (String line : out.split("\n", -1)) {
      Matcher m = PCT.matcher(line);
      if (m.matches()) {
        double v = Double.parseDouble(m.group(2));
        double ms =
            switch (m.group(3)) {
              case "us" -> v / 1000;
              case "s" -> v * 1000;
              default -> v;
            };
        if (m.group(1).equals("50")) {
          p50 = ms;
        } else {
          p99 = ms;
        }
      }
    }
    Matcher err = ERR.matcher(out);
    return new Result(
        rps.find() ? Double.parseDouble(rps.group(1)) : Double.NaN,
        p50,
        p99,
        err.find() ? Long.parseLong(err.group(1)) : 0);
  }
}
