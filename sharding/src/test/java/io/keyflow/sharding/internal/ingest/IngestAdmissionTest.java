package io.keyflow.sharding.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IngestAdmissionTest {

  @Test
  void refusesWorkBeyondTheBoundAndAdmitsAgainAfterRelease() {
    var admission = new IngestAdmission(1_000, 100);
    assertThat(admission.tryReserveBytes(600)).isTrue();
    assertThat(admission.tryReserveBytes(500)).isFalse();
    assertThat(admission.bytesInFlight()).isEqualTo(600);
    admission.releaseBytes(600);
    assertThat(admission.tryReserveBytes(500)).isTrue();

    assertThat(admission.tryReserveEvents(100)).isTrue();
    assertThat(admission.tryReserveEvents(1)).isFalse();
    admission.releaseEvents(100);
    assertThat(admission.eventsInFlight()).isZero();
  }

  @Test
  void aSingleOversizedRequestIsAdmittedWhenNothingElseRuns() {
    var admission = new IngestAdmission(1_000, 100);
    assertThat(admission.tryReserveEvents(5_000)).isTrue();
    assertThat(admission.tryReserveEvents(1)).isFalse();
  }

  @Test
  void concurrentReservationsNeverPassTheBound() throws Exception {
    var admission = new IngestAdmission(10_000, 1_000);
    Thread[] threads = new Thread[8];
    java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 20_000; i++) {
          if (admission.tryReserveEvents(7)) {
            peak.accumulateAndGet(admission.eventsInFlight(), Math::max);
            admission.releaseEvents(7);
          }
        }
      });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(peak.get()).isLessThanOrEqualTo(1_000);
    assertThat(admission.eventsInFlight()).isZero();
  }
}
