package dev.prequel.interview;

import static dev.prequel.interview.Status.*;

import dev.prequel.error.ProblemException;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The one place that says which status may follow which. Every status change in Prequel goes
 * through {@link #check}; a transition not listed here is refused.
 *
 * <pre>
 * scheduled → initializing → configuring → active → destroying → destroyed
 *     ↘ cancelled      ↘ (destroying, error at any live step)
 * invited ↗ (a take-home, when its candidate presses Start)
 *     ↘ cancelled (its start window ended, or the interviewer called it off)
 * </pre>
 */
public final class StateMachine {

  private static final Map<Status, Set<Status>> NEXT = new EnumMap<>(Status.class);

  static {
    NEXT.put(INVITED, EnumSet.of(INITIALIZING, CANCELLED, ERROR));
    NEXT.put(SCHEDULED, EnumSet.of(INITIALIZING, CANCELLED, ERROR));
    NEXT.put(INITIALIZING, EnumSet.of(CONFIGURING, DESTROYING, ERROR));
    NEXT.put(CONFIGURING, EnumSet.of(ACTIVE, DESTROYING, ERROR));
    NEXT.put(ACTIVE, EnumSet.of(DESTROYING, ERROR));
    NEXT.put(DESTROYING, EnumSet.of(DESTROYED, ERROR));
    NEXT.put(DESTROYED, EnumSet.noneOf(Status.class));
    NEXT.put(CANCELLED, EnumSet.noneOf(Status.class));
    NEXT.put(ERROR, EnumSet.noneOf(Status.class));
  }

  private StateMachine() {}

  public static boolean allows(Status from, Status to) {
    return NEXT.get(from).contains(to);
  }

  /** Refuses a transition that is not listed, with a 409 that says what is possible instead. */
  public static void check(Status from, Status to) {
    if (!allows(from, to)) {
      throw ProblemException.conflict(
          "an interview that is "
              + from.wireName()
              + " cannot become "
              + to.wireName()
              + (NEXT.get(from).isEmpty()
                  ? " (it has ended)"
                  : "; it can become " + names(NEXT.get(from))));
    }
  }

  private static String names(Set<Status> statuses) {
    return String.join(", ", statuses.stream().map(Status::wireName).toList());
  }
}
