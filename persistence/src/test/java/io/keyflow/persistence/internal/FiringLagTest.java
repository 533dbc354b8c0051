package io.keyflow.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FiringLagTest {

  private final Timer timer = Timer.builder("lag").register(new SimpleMeterRegistry());

  @Test
  void timesEachFiringWriteFromItsConfirmationToTheDestinationHavingItsLastOutput() {
    FiringLag lag = new FiringLag(timer, 100);
    lag.fired(3, 1_000_000);        // outputs 1-3 fired at 1 ms
    lag.fired(3, 2_000_000);        // a write that fired nothing new
    lag.fired(7, 5_000_000);        // outputs 4-7 fired at 5 ms
    lag.confirmed(5, 9_000_000);    // a delivery batch that ends inside the second firing
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.max(TimeUnit.MILLISECONDS)).isEqualTo(8.0);
    lag.confirmed(7, 12_000_000);
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(8.0 + 7.0);
    assertThat(lag.pending()).isZero();
  }

  @Test
  void outputsFiredBeforeARecoveryAreNotTimed() {
    FiringLag lag = new FiringLag(timer, 100);
    lag.recovered(10);
    lag.fired(10, 1_000_000);
    lag.confirmed(10, 4_000_000);
    assertThat(timer.count()).isZero();
    lag.fired(12, 5_000_000);
    lag.confirmed(12, 6_000_000);
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1.0);
  }

  @Test
  void aDestinationDownForLongLeavesNewerFiringsUntimedInsteadOfGrowing() {
    FiringLag lag = new FiringLag(timer, 2);
    lag.fired(1, 0);
    lag.fired(2, 1_000_000);
    lag.fired(3, 2_000_000);
    assertThat(lag.pending()).isEqualTo(2);
    lag.confirmed(3, 10_000_000);
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.max(TimeUnit.MILLISECONDS)).isEqualTo(10.0);
    lag.fired(4, 11_000_000);
    assertThat(lag.pending()).isEqualTo(1);
  }
}
