package dev.prequel.web;

import dev.prequel.interview.Interview;
import io.javalin.http.sse.SseClient;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events: every recorded change of an interview goes to every connected client as
 * {@code event: interview} with the interview's JSON. One lock keeps events in the order they
 * happened.
 */
final class LiveStream {

  private static final Logger log = LoggerFactory.getLogger(LiveStream.class);
  private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
  private final PublicUrls urls;

  LiveStream(PublicUrls urls) {
    this.urls = urls;
  }

  void connect(SseClient client) {
    client.keepAlive();
    client.onClose(() -> clients.remove(client));
    clients.add(client);
    client.sendComment("connected");
  }

  int clientCount() {
    return clients.size();
  }

  synchronized void publish(Interview interview) {
    String data = Json.write(InterviewJson.of(interview, urls));
    for (SseClient c : clients) {
      send(c, () -> c.sendEvent("interview", data));
    }
  }

  /**
   * A comment now and then lets proxies keep the stream open and reveals clients that went away.
   */
  synchronized void heartbeat() {
    for (SseClient c : clients) {
      send(c, () -> c.sendComment("keep-alive"));
    }
  }

  private void send(SseClient c, Runnable write) {
    if (c.terminated()) {
      clients.remove(c);
      return;
    }
    try {
      write.run();
    } catch (RuntimeException e) {
      log.debug("dropping SSE client: {}", e.toString());
      clients.remove(c);
    }
  }
}
