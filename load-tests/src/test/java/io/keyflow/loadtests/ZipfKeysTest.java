package io.keyflow.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfKeysTest {

  private static int[] draw(ZipfKeys keys, int n, int draws) {
    int[] counts = new int[n];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < draws; i++) {
      counts[keys.next(random)]++;
    }
    return counts;
  }

  @Test
  void theHottestKeyGetsItsZipfShare() {
    int n = 1000;
    double s = 1.2;
    double harmonic = 0;
    for (int k = 1; k <= n; k++) {
      harmonic += 1 / Math.pow(k, s);
    }
    int[] counts = draw(new ZipfKeys(n, s), n, 200_000);
    assertThat(counts[0] / 200_000.0).isCloseTo(1 / harmonic, org.assertj.core.data.Offset.offset(0.01));
    assertThat(counts[0]).isGreaterThan(counts[1]);
    assertThat(counts[1]).isGreaterThan(counts[10]);
    assertThat(counts[10]).isGreaterThan(counts[500]);
  }

  @Test
  void exponentZeroIsUniform() {
    int[] counts = draw(new ZipfKeys(10, 0), 10, 100_000);
    for (int c : counts) {
      assertThat(c).isBetween(9_000, 11_000);
    }
  }

  @Test
  void everyDrawIsAKey() {
    int[] counts = draw(new ZipfKeys(3, 5), 3, 10_000);
    assertThat(counts[0] + counts[1] + counts[2]).isEqualTo(10_000);
  }
}
