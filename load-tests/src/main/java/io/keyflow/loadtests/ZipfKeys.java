package io.keyflow.loadtests;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Draws key numbers 0..n-1 with Zipf skew: key k has weight 1 / (k + 1)^s, so key 0 is the hottest.
 * Exponent 0 is uniform. Inverse-CDF over a table of n cumulative weights (8 bytes per key).
 */
final class ZipfKeys {

  private final int n;
  private final double[] cumulative;

  ZipfKeys(int n, double exponent) {
    if (n < 1 || exponent < 0) {
      throw new IllegalArgumentException("need n >= 1 and exponent >= 0");
    }
    this.n = n;
    if (exponent == 0) {
      cumulative = null;
      return;
    }
    cumulative = new double[n];
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, exponent);
      cumulative[k] = sum;
    }
    for (int k = 0; k < n; k++) {
      cumulative[k] /= sum;
    }
  }

  int next(SplittableRandom random) {
    if (cumulative == null) {
      return random.nextInt(n);
    }
    int at = Arrays.binarySearch(cumulative, random.nextDouble());
    return Math.min(n - 1, at >= 0 ? at : -at - 1);
  }
}
