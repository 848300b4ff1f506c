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
    Map<String, List<Double>> results = new LinkedHashMap<>();
    try {
      int backend = workspace.endpoint().getPort();
      results.put(
          "direct",
          rounds(
              client,
              "127.0.0.1:" + backend,
              backend,
              "127.0.0.1:" + backend,
              null,
              rounds,
              bytes));
      String host = "abc.localhost:" + portal.port();
      // As a logged-in candidate's browser: with the login cookie the proxy checks.
      String cookie = WorkspaceCookies.NAME + "=" + cookies.mint("abc");
      results.put("prequel", rounds(client, host, portal.port(), host, cookie, rounds, bytes));
      try (AutoCloseableWithPort nginx = nginxFor.apply(backend)) {
        if (nginx != null) {
          String nh = "127.0.0.1:" + nginx.port();
          results.put("nginx", rounds(client, nh, nginx.port(), nh, null, rounds, bytes));
        }
      }
    } finally {
      client.stop();
      portal.stop();
      workspace.stop();
    }
    return results;
  }

  /** Something the benchmark starts and stops, listening on a port. */
  public interface AutoCloseableWithPort extends AutoCloseable {
    int port();
  }

  private static List<Double> rounds(
      WebSocketClient client,
      String host,
      int port,
      String origin,
      String cookie,
      int rounds,
      int bytes)
      throws Exception {
    Echoes echoes = new Echoes();
    ClientUpgradeRequest upgrade =
        new ClientUpgradeRequest(URI.create("ws://127.0.0.1:" + port + "/ws"));
    upgrade.setHeader("Host", host);
    upgrade.setHeader("Origin", "http://" + origin);
    if (cookie != null) {
      upgrade.setHeader("Cookie", cookie);
    }
    Session session = client.connect(echoes, upgrade).get(10, TimeUnit.SECONDS);
    byte[] payload = new byte[bytes];
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < rounds + 20; i++) {
      long t0 = System.nanoTime();
      session.sendBinary(ByteBuffer.wrap(payload), Callback.NOOP);
      if (echoes.received.poll(10, TimeUnit.SECONDS) == null) {
        throw new IllegalStateException("no echo through " + host);
      }
      if (i >= 20) { // the first rounds warm up the JIT and the connection
        times.add((System.nanoTime() - t0) / 1e6);
      }
    }
    session.close();
    return times;
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
