package dev.prequel.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Live status at scale: how long a recorded transition takes to reach {@code k} SSE clients, and
 * whether a client that stops reading delays the others before Prequel drops it.
 */
final class LiveEventsBench {

  /**
   * Per delivery, and per event to the last client that got it; the CPU the portal spent per event
   * (all its threads, and its SSE fan-out thread alone), which other load on the machine barely
   * moves, unlike the latencies; and the machine's load average meanwhile.
   */
  record Latency(
      Stats perDelivery,
      Stats toLastClient,
      double portalCpuMsPerEvent,
      double fanOutCpuMsPerEvent,
      double loadAverage) {

    /** The CPU figures and the load, for a table row. */
    String cpu() {
      return String.format(
          "%.1f ms CPU per event in the portal, %.1f ms of it in the fan-out thread (load average"
              + " %.1f)",
          portalCpuMsPerEvent, fanOutCpuMsPerEvent, loadAverage);
    }
  }

  /** The readers' latency while one client stalled, and how many events it took to drop it. */
  record SlowClient(Latency readers, int eventsUntilDropped, boolean dropped) {}

  /** Events sent to a new swarm before the measured ones. */
  private static final int WARM_UP = 5;

  private final PrequelProcess prequel;
  private final String interviewId;
  private final Instant start;
  private int changes;

  /**
   * @param interviewId a scheduled interview whose expiry the bench changes back and forth
   */
  LiveEventsBench(PrequelProcess prequel, String interviewId, Instant start) {
    this.prequel = prequel;
    this.interviewId = interviewId;
    this.start = start;
  }

  /** {@code events} transitions to {@code k} clients. */
  Latency latency(int k, int events) throws Exception {
    return latency(k, events, () -> {});
  }

  /** Something to do while the clients are still connected, after the events reached them. */
  @FunctionalInterface
  interface WhileConnected {
    void run() throws Exception;
  }

  /**
   * {@code events} transitions to {@code k} clients, then {@code meanwhile} with them connected.
   */
  Latency latency(int k, int events, WhileConnected meanwhile) throws Exception {
    try (SseSwarm swarm = new SseSwarm(prequel, k)) {
      await(swarm::allConnected, 60_000, k + " SSE clients", swarm::state);
      // A few events first, unmeasured: the portal's fan-out and the swarm get compiled (JIT), as
      // in a Prequel that has run for a while.
      var unused = deliver(swarm, WARM_UP, null);
      Latency latency = deliver(swarm, events, null);
      meanwhile.run();
      return latency;
    }
  }

  /**
   * {@code k} reading clients and one that never reads (a small receive buffer, as a stalled
   * browser tab): transitions go on until Prequel drops the stalled one, or {@code maxEvents}.
   */
  SlowClient slowClient(int k, int maxEvents) throws Exception {
    try (SseSwarm swarm = new SseSwarm(prequel, k);
        Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), prequel.port));
      OutputStream out = stalled.getOutputStream();
      out.write(
          ("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  + "Authorization: "
                  + prequel.authorization()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      await(swarm::allConnected, 60_000, k + " SSE clients", swarm::state);
      // The readers, the stalled one and the bench's own client: clients that went away earlier
      // are only noticed when a write to them fails (often the second after they closed), so
      // events go out until Prequel has forgotten them.
      int all = k + 2;
      for (int tries = 0; liveClients() != all; tries++) {
        if (tries == 20) {
          throw new IllegalStateException(
              "timed out waiting for " + all + " live clients " + liveClients());
        }
        deliver(swarm, 1, null);
        long until = System.currentTimeMillis() + 500;
        while (liveClients() != all && System.currentTimeMillis() < until) {
          Thread.sleep(2); // benchmark pacing
        }
      }
      int[] sent = {0};
      Latency readers =
          deliver(
              swarm,
              maxEvents,
              n -> {
                sent[0] = n;
                return n % 50 == 0 && liveClients() < all;
              });
      return new SlowClient(readers, sent[0], liveClients() < all);
    }
  }

  /** Whether to stop after the n-th event. */
  @FunctionalInterface
  private interface Stop {
    boolean after(int n) throws Exception;
  }

  private Latency deliver(SseSwarm swarm, int events, Stop stop) throws Exception {
    List<SseSwarm.Client> clients = swarm.clients();
    // Lines the clients had before (an earlier call's events): this call's are counted after them.
    Map<SseSwarm.Client, Integer> before = new HashMap<>();
    clients.forEach(c -> before.put(c, c.count()));
    long pid = prequel.process.pid();
    double cpu0 = ThreadCpu.processMs(pid);
    double fanOut0 = ThreadCpu.threadMs(pid, "prequel-sse-fan");
    double load0 = HeapBench.loadAverage();
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (int e = 0; e < events; e++) {
      JsonNode changed =
          prequel.send(
              "PATCH",
              "/api/v1/interviews/" + interviewId,
              Map.of(
                  "expiresAt",
                  start.plus(Duration.ofMinutes(60 + (changes++ % 2) * 15)).toString()));
      keys.add(interviewId + "@" + changed.get("updatedAt").asText());
      if (stop == null) {
        // one event at a time, as transitions come: each is measured on its own
        int expected = e + 1;
        await(
            () -> clients.stream().allMatch(c -> c.count() >= before.get(c) + expected),
            10_000,
            "event to " + clients.size() + " clients");
      } else if (stop.after(e + 1)) {
        break;
      }
    }
    int expected = keys.size();
    await(
        () -> clients.stream().allMatch(c -> c.count() >= before.get(c) + expected),
        30_000,
        "every event to " + clients.size() + " clients");
    double cpuPerEvent = (ThreadCpu.processMs(pid) - cpu0) / expected;
    double fanOutPerEvent = (ThreadCpu.threadMs(pid, "prequel-sse-fan") - fanOut0) / expected;
    double load = (load0 + HeapBench.loadAverage()) / 2;
    Map<String, Double> last = new HashMap<>();
    List<Double> all = new ArrayList<>();
    for (SseSwarm.Client c : clients) {
      for (SseSwarm.Line line : c.lines()) {
        JsonNode e = PrequelProcess.JSON.readTree(line.data());
        String key = e.get("id").asText() + "@" + e.get("updatedAt").asText();
        if (keys.contains(key)) {
          Instant recorded = Instant.parse(e.get("updatedAt").asText());
          double ms = Duration.between(recorded, line.arrived()).toNanos() / 1e6;
          all.add(ms);
          last.merge(key, ms, Math::max);
        }
      }
    }
    return new Latency(
        Stats.of(all), Stats.of(new ArrayList<>(last.values())), cpuPerEvent, fanOutPerEvent, load);
  }

  private int liveClients() {
    try {
      return PrequelProcess.JSON
          .readTree(prequel.get("/healthz").body())
          .path("liveClients")
          .asInt();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void await(java.util.function.BooleanSupplier condition, long ms, String what)
      throws InterruptedException {
    await(condition, ms, what, () -> "");
  }

  private static void await(
      java.util.function.BooleanSupplier condition,
      long ms,
      String what,
      java.util.function.Supplier<String> state)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what + " " + state.get());
      }
      Thread.sleep(2); // benchmark pacing
    }
  }
}
