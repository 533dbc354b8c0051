package io.keyflow.sharding.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LoadSignalTest {

  @Test
  void anIdleNodeSignalsZero() {
    assertThat(LoadSignal.of(0, 1000, 0, 1 << 20, 0, 0, Double.NaN, 1.0)).isZero();
  }

  @Test
  void theFullestBoundDecides() {
    assertThat(LoadSignal.of(250, 1000, 600, 1000, 0, 0, Double.NaN, 1.0)).isCloseTo(0.6, within(1e-9));
    assertThat(LoadSignal.of(900, 1000, 600, 1000, 0, 0, Double.NaN, 1.0)).isCloseTo(0.9, within(1e-9));
  }

  @Test
  void theShareOfRefusedRequestsCounts() {
    assertThat(LoadSignal.of(0, 1000, 0, 1000, 40, 10, Double.NaN, 1.0)).isCloseTo(0.25, within(1e-9));
  }

  @Test
  void ackLatencyCountsAgainstItsTarget() {
    assertThat(LoadSignal.of(0, 1000, 0, 1000, 10, 0, 0.3, 0.5)).isCloseTo(0.6, within(1e-9));
  }

  @Test
  void everyTermIsCappedAtOne() {
    assertThat(LoadSignal.of(5000, 1000, 0, 1000, 0, 0, Double.NaN, 1.0)).isEqualTo(1.0);
    assertThat(LoadSignal.of(0, 1000, 0, 1000, 10, 0, 12.0, 1.0)).isEqualTo(1.0);
  }

  @Test
  void unsetBoundsAndTargetsContributeNothing() {
    assertThat(LoadSignal.of(50, 0, 50, 0, 0, 0, 3.0, 0)).isZero();
  }
}
