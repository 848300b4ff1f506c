package dev.prequel.interview;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tells listeners (the live status stream) about every recorded change of an interview. */
public final class InterviewEvents {

  private static final Logger log = LoggerFactory.getLogger(InterviewEvents.class);
  private final List<Consumer<Interview>> listeners = new CopyOnWriteArrayList<>();

  /** Listens until the returned handle is closed. */
  public AutoCloseable subscribe(Consumer<Interview> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void publish(Interview interview) {
    for (Consumer<Interview> l : listeners) {
      try {
        l.accept(interview);
      } catch (RuntimeException e) {
        log.warn("event listener failed for interview {}: {}", interview.id(), e.toString());
      }
    }
  }
}
