package dev.prequel.interview;

import org.jdbi.v3.core.Handle;

/**
 * Writes an interview's event inside the transaction that records its change, so the two commit
 * together: a replica killed between them cannot keep the change and lose its event. On PostgreSQL
 * it is the {@code interview_events} row; within one process, nothing (the event is delivered in
 * memory once the change has committed).
 */
@FunctionalInterface
public interface EventWriter {

  /** Writes nothing: the event goes its own way after the commit (one Prequel on H2, tests). */
  EventWriter NONE = (h, i) -> {};

  void write(Handle h, Interview recorded);
}
