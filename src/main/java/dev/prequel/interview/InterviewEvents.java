package dev.prequel.interview;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells listeners about every recorded change of an interview: the ones made on this replica and,
 * through the {@link EventChannel}, the ones made on the others.
 */
public final class InterviewEvents implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(InterviewEvents.class);
  private final List<Consumer<Interview>> changes = new CopyOnWriteArrayList<>();
  private final List<Consumer<Interview>> own = new CopyOnWriteArrayList<>();
  private final List<Consumer<InterviewEvent>> stream = new CopyOnWriteArrayList<>();
  private final EventChannel channel;

  /** Within this process only (tests, and one Prequel on H2). */
  public InterviewEvents() {
    this(new LocalEventChannel(1));
  }

  public InterviewEvents(EventChannel channel) {
    this.channel = channel;
    channel.start(this::arrived);
  }

  /**
   * Every change on every replica: this replica's while it is published, the others' when they
   * arrive (a cache that must forget what changed). Listens until the handle is closed.
   */
  public AutoCloseable subscribe(Consumer<Interview> listener) {
    changes.add(listener);
    return () -> changes.remove(listener);
  }

  /** This replica's changes only, while they are published (its own metrics). */
  public AutoCloseable subscribeOwn(Consumer<Interview> listener) {
    own.add(listener);
    return () -> own.remove(listener);
  }

  /**
   * Every replica's changes with their ids, one at a time in the order of the ids (live stream).
   */
  public AutoCloseable subscribeStream(Consumer<InterviewEvent> listener) {
    stream.add(listener);
    return () -> stream.remove(listener);
  }

  /** The events after {@code afterId} still kept, oldest first (a stream that reconnects). */
  public List<InterviewEvent> since(long afterId, int limit) {
    return channel.since(afterId, limit);
  }

  /**
   * What a store calls inside the transaction that records a change, to write its event there;
   * {@link #recorded} follows the commit.
   */
  EventWriter writer() {
    return channel::record;
  }

  /**
   * A change whose event {@link #writer} wrote in the change's transaction, which has committed:
   * this replica's listeners hear of it now, and the channel delivers it (from the database, or
   * from memory).
   */
  void recorded(Interview interview) {
    notify(changes, interview);
    notify(own, interview);
    channel.recorded(interview);
  }

  /**
   * A change recorded without its event (an expiry moved, a note): shared after the fact, through
   * the channel's outbox. A transition uses {@link #writer} and {@link #recorded} instead.
   */
  void publish(Interview interview) {
    notify(changes, interview);
    notify(own, interview);
    channel.publish(interview);
  }

  private void arrived(InterviewEvent e) {
    if (!e.local()) {
      notify(changes, e.interview());
    }
    notify(stream, e);
  }

  private <T> void notify(List<Consumer<T>> listeners, T event) {
    for (Consumer<T> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.warn("event listener failed for {}: {}", event, e.toString());
      }
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
