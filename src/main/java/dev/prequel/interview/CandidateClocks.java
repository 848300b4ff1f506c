package dev.prequel.interview;

import dev.prequel.runtime.WorkspaceClock;
import dev.prequel.runtime.WorkspaceRuntime;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the clock in each candidate's IDE right (issue 17, 2): whenever an interview with a
 * workspace changes (it starts, its end moves, its workspace restarts), the runtime is told its
 * end, and for a take-home where to submit. The runtime puts it where the candidate can read but
 * not change it; the end itself is enforced by the lifecycle, whatever the IDE shows.
 */
public final class CandidateClocks {

  private static final Logger log = LoggerFactory.getLogger(CandidateClocks.class);

  private final WorkspaceRuntime runtime;
  private final TakeHomeStore takeHomes;
  private final UnaryOperator<String> submitUrlOf;

  /**
   * @param submitUrlOf the address of a take-home's Submit page, by interview id
   */
  public CandidateClocks(
      WorkspaceRuntime runtime, TakeHomeStore takeHomes, UnaryOperator<String> submitUrlOf) {
    this.runtime = runtime;
    this.takeHomes = takeHomes;
    this.submitUrlOf = submitUrlOf;
  }

  /** Follows every recorded change of an interview. */
  public CandidateClocks follow(InterviewEvents events) {
    events.subscribe(this::show);
    return this;
  }

  void show(Interview i) {
    if (i.status() != Status.CONFIGURING && i.status() != Status.ACTIVE) {
      return;
    }
    try {
      String submitUrl = takeHomes.find(i.id()).map(t -> submitUrlOf.apply(i.id())).orElse(null);
      runtime.showClock(i.id(), new WorkspaceClock(i.expiresAt(), submitUrl));
    } catch (Exception e) {
      // The clock is a courtesy: the interview still ends on time without it.
      log.warn("interview {}: could not update the candidate's clock: {}", i.id(), e.toString());
    }
  }
}
