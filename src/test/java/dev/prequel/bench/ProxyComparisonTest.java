package dev.prequel.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProxyComparisonTest {

  private static ProxyComparison.PathResult rounds(Double... requestsPerSecond) {
    return new ProxyComparison.PathResult(
        new HttpLoad.Result(0, 0, 0, 0, 0), 0, 0, 0, 0, List.of(requestsPerSecond));
  }

  @Test
  void theRatioIsTakenRoundByRoundWithItsStudentInterval() {
    double[] ratio = rounds(100.0, 200.0, 300.0).ratioTo(rounds(100.0, 100.0, 100.0));

    assertThat(ratio[0]).isCloseTo(2.0, within(1e-9));
    // ratios 1, 2, 3: standard deviation 1, so 4.30 (t, 2 degrees of freedom) × 1 / √3
    assertThat(ratio[1]).isCloseTo(4.30 / Math.sqrt(3), within(1e-9));
  }

  @Test
  void roundsOfTheSameDriftCancelOut() {
    // code-server's own rate moves between rounds; a proxy that keeps pace with nginx in each
    // round is at 1.0× however far the rounds are apart
    double[] ratio = rounds(2200.0, 1600.0, 1900.0).ratioTo(rounds(2200.0, 1600.0, 1900.0));

    assertThat(ratio[0]).isEqualTo(1.0);
    assertThat(ratio[1]).isZero();
  }

  @Test
  void oneRoundGivesNoInterval() {
    assertThat(rounds(150.0).ratioTo(rounds(100.0))[1]).isNaN();
  }
}
