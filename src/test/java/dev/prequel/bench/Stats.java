package dev.prequel.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles of a sample, in milliseconds (nearest-rank). */
record Stats(int n, double p50, double p95, double p99, double max) {

  static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return new Stats(
        sorted.size(),
        rank(sorted, 0.50),
        rank(sorted, 0.95),
        rank(sorted, 0.99),
        sorted.get(sorted.size() - 1));
  }

  private static double rank(List<Double> sorted, double q) {
    int i = (int) Math.ceil(q * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  @Override
  public String toString() {
    return String.format(
        "p50 %s · p95 %s · p99 %s · max %s (n=%d)", ms(p50), ms(p95), ms(p99), ms(max), n);
  }

  static String ms(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    return v >= 1000 ? String.format("%.2f s", v / 1000) : String.format("%.1f ms", v);
  }
}
