package dev.prequel.interview;

import static dev.prequel.interview.Status.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.prequel.error.ProblemException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateMachineTest {

  /**
   * The lifecycle as the product promises it; written out again here so a change to it is
   * deliberate.
   */
  private static final Map<Status, Set<Status>> PROMISED =
      Map.of(
          INVITED, EnumSet.of(INITIALIZING, CANCELLED, ERROR),
          SCHEDULED, EnumSet.of(INITIALIZING, CANCELLED, ERROR),
          INITIALIZING, EnumSet.of(CONFIGURING, DESTROYING, ERROR),
          CONFIGURING, EnumSet.of(ACTIVE, DESTROYING, ERROR),
          ACTIVE, EnumSet.of(DESTROYING, ERROR),
          DESTROYING, EnumSet.of(DESTROYED, ERROR),
          DESTROYED, EnumSet.noneOf(Status.class),
          CANCELLED, EnumSet.noneOf(Status.class),
          ERROR, EnumSet.noneOf(Status.class));

  @Test
  void everyLegalTransitionIsAllowedAndEveryOtherIsRefused() {
    for (Status from : Status.values()) {
      for (Status to : Status.values()) {
        boolean legal = PROMISED.get(from).contains(to);
        assertThat(StateMachine.allows(from, to)).as(from + " → " + to).isEqualTo(legal);
        if (legal) {
          StateMachine.check(from, to);
        } else {
          assertThatThrownBy(() -> StateMachine.check(from, to))
              .as(from + " → " + to)
              .isInstanceOfSatisfying(
                  ProblemException.class,
                  e -> assertThat(e.kind()).isEqualTo(ProblemException.Kind.CONFLICT));
        }
      }
    }
  }

  @Test
  void aRefusalSaysWhatIsPossibleInstead() {
    assertThatThrownBy(() -> StateMachine.check(ACTIVE, SCHEDULED))
        .hasMessage(
            "an interview that is active cannot become scheduled; it can become destroying, error");
    assertThatThrownBy(() -> StateMachine.check(DESTROYED, ACTIVE))
        .hasMessage("an interview that is destroyed cannot become active (it has ended)");
  }

  @Test
  void statusesAreLowerCaseOnTheWire() {
    assertThat(INITIALIZING.wireName()).isEqualTo("initializing");
    assertThat(Status.fromWireName("Active")).isEqualTo(ACTIVE);
    assertThatThrownBy(() -> Status.fromWireName("running"))
        .hasMessageContaining("unknown status 'running'");
  }
}
