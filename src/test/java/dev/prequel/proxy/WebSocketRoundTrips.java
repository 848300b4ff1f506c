package dev.prequel.proxy;

import io.javalin.Javalin;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * For the benchmark: WebSocket round trips to an echo workspace directly, through Prequel's proxy,
 * and through another proxy (nginx) started by the caller on a port it chooses.
 */
public final class WebSocketRoundTrips {

  private WebSocketRoundTrips() {}

  /**
   * Round-trip times in ms per path ("direct", "prequel", and "nginx" when {@code nginxFor} gives a
   * port), for {@code rounds} messages of {@code bytes} bytes each.
   */
  public static Map<String, List<Double>> measure(
      int rounds, int bytes, IntFunction<AutoCloseableWithPort> nginxFor) throws Exception {
    FakeWorkspace workspace = new FakeWorkspace();
    WorkspaceCookies cookies = new WorkspaceCookies(new byte[32], java.time.Clock.systemUTC());
    WorkspaceProxy proxy =
        new WorkspaceProxy(
            "localhost",
            id ->
                Optional.of(
                    new dev.prequel.runtime.Workspace(
                        id, workspace.endpoint(), java.time.Instant.EPOCH)),
            new CandidateLogin(
                cookies, id -> Optional.empty(), false, java.time.Clock.systemUTC()));
    Javalin portal =
        Javalin.create(cfg -> cfg.jetty.modifyServer(server -> server.insertHandler(proxy)))
            .start("127.0.0.1", 0);
    WebSocketClient client = new WebSocketClient();
    client.setMaxBinaryMessageSize(64 * 1024 * 1024);
    client.start();
    Map<String, Route> routes = new LinkedHashMap<>();
    try {
      int backend = workspace.endpoint().getPort();
      String direct = "127.0.0.1:" + backend;
      routes.put("direct", Route.open(client, direct, backend, direct, null));
      String host = "abc.localhost:" + portal.port();
      // As a logged-in candidate's browser: with the login cookie the proxy checks.
      String cookie = WorkspaceCookies.NAME + "=" + cookies.mint("abc");
      routes.put("prequel", Route.open(client, host, portal.port(), host, cookie));
      try (AutoCloseableWithPort nginx = nginxFor.apply(backend)) {
        if (nginx != null) {
          String nh = "127.0.0.1:" + nginx.port();
          routes.put("nginx", Route.open(client, nh, nginx.port(), nh, null));
        }
        return interleaved(routes, rounds, bytes);
      }
    } finally {
      for (Route route : routes.values()) {
        route.session.close();
      }
      client.stop();
      portal.stop();
      workspace.stop();
    }
  }

  /**
   * One message through each path in turn, the order rotating every round: on a shared machine the
   * load of others drifts, and this way every path sees the same drift.
   */
  private static Map<String, List<Double>> interleaved(
      Map<String, Route> routes, int rounds, int bytes) throws Exception {
    List<String> names = new ArrayList<>(routes.keySet());
    Map<String, List<Double>> results = new LinkedHashMap<>();
    names.forEach(n -> results.put(n, new ArrayList<>()));
    byte[] payload = new byte[bytes];
    int warmUp = 200; // the JIT of the proxy and of this client, the connections' buffers
    for (int i = 0; i < warmUp + rounds; i++) {
      for (int k = 0; k < names.size(); k++) {
        String name = names.get((i + k) % names.size());
        double ms = routes.get(name).roundTrip(payload);
        if (i >= warmUp) {
          results.get(name).add(ms);
        }
      }
    }
    return results;
  }

  /** Something the benchmark starts and stops, listening on a port. */
  public interface AutoCloseableWithPort extends AutoCloseable {
    int port();
  }

  /** An open WebSocket to the echo workspace through one path. */
  private record Route(Session session, Echoes echoes, String host) {
    static Route open(WebSocketClient client, String host, int port, String origin, String cookie)
        throws Exception {
      Echoes echoes = new Echoes();
      ClientUpgradeRequest upgrade =
          new ClientUpgradeRequest(URI.create("ws://127.0.0.1:" + port + "/ws"));
      upgrade.setHeader("Host", host);
      upgrade.setHeader("Origin", "http://" + origin);
      if (cookie != null) {
        upgrade.setHeader("Cookie", cookie);
      }
      return new Route(client.connect(echoes, upgrade).get(10, TimeUnit.SECONDS), echoes, host);
    }

    double roundTrip(byte[] payload) throws InterruptedException {
      long t0 = System.nanoTime();
      session.sendBinary(ByteBuffer.wrap(payload), Callback.NOOP);
      if (echoes.received.poll(10, TimeUnit.SECONDS) == null) {
        throw new IllegalStateException("no echo through " + host);
      }
      return (System.nanoTime() - t0) / 1e6;
    }
  }

  /** Collects echoed messages. */
  public static final class Echoes extends Session.Listener.AbstractAutoDemanding {
    final BlockingQueue<Integer> received = new LinkedBlockingQueue<>();

    @Override
    public void onWebSocketBinary(
        ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
      received.add(payload.remaining());
      callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
      // closing at the end of a measurement can race the last frame; the measurement is done
    }
  }
}
