package dev.prequel.interview;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Events within one process: delivered at once, while the publisher waits, and the latest few
 * thousand kept in memory for streams that reconnect.
 */
public final class LocalEventChannel implements EventChannel {

  /** Events kept for streams that reconnect (a few minutes of a busy Prequel). */
  static final int KEPT = 4096;

  private final Deque<InterviewEvent> kept = new ArrayDeque<>();
  private long nextId;
  private Consumer<InterviewEvent> sink = e -> {};

  /**
   * @param firstId the first event's id. Prequel passes the start time in microseconds, so ids go
   *     on increasing over restarts and a browser that reconnects to a restarted Prequel with an
   *     older {@code Last-Event-ID} gets every event since the restart.
   */
  public LocalEventChannel(long firstId) {
    this.nextId = firstId;
  }

  @Override
  public synchronized void start(Consumer<InterviewEvent> sink) {
    this.sink = sink;
  }

  @Override
  public synchronized void publish(Interview interview) {
    InterviewEvent e = new InterviewEvent(nextId++, interview, true);
    kept.addLast(e);
    if (kept.size() > KEPT) {
      kept.removeFirst();
    }
    sink.accept(e);
  }

  @Override
  public synchronized List<InterviewEvent> since(long afterId, int limit) {
    List<InterviewEvent> found = new ArrayList<>();
    for (InterviewEvent e : kept) {
      if (e.id() > afterId && found.size() < limit) {
        found.add(e);
      }
    }
    return found;
  }

  @Override
  public void close() {}
}
