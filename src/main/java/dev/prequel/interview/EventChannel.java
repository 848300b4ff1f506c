package dev.prequel.interview;

import java.util.List;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;

/**
 * How interview events travel: within this process ({@link LocalEventChannel}, one Prequel on H2),
 * or through the database to every replica ({@link PostgresEventChannel}). Chosen in the wiring.
 */
public interface EventChannel extends AutoCloseable {

  /**
   * Starts delivering events, this replica's and the others', to {@code sink}: one at a time, in
   * the order of their ids, each once.
   */
  void start(Consumer<InterviewEvent> sink);

  /** Shares a change recorded on this replica; it comes back through the sink with its id. */
  void publish(Interview interview);

  /**
   * Writes the event of a change inside the change's own transaction (see {@link EventWriter}). The
   * default writes nothing: {@link #recorded} then publishes it once the change committed.
   */
  default void record(Handle h, Interview interview) {}

  /**
   * Called after the transaction that called {@link #record} committed: a channel that wrote the
   * event there has nothing left to do, one that did not publishes it now.
   */
  default void recorded(Interview interview) {
    publish(interview);
  }

  /** The events after {@code afterId} still kept, oldest first, at most {@code limit}. */
  List<InterviewEvent> since(long afterId, int limit);

  /** Stops delivering (threads, connections). */
  @Override
  void close();
}
