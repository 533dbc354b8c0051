package io.keyflow.sharding.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentCountsTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final RecentCounts counts = new RecentCounts(10, now::get);

  @Test
  void sumsWhatCameWithinTheWindow() {
    counts.add(3);
    now.addAndGet(4_000);
    counts.add(2);
    now.addAndGet(5_000);
    assertThat(counts.sum()).isEqualTo(5);
  }

  @Test
  void forgetsWhatIsOlderThanTheWindow() {
    counts.add(3);
    now.addAndGet(6_000);
    counts.add(2);
    now.addAndGet(4_000);
    assertThat(counts.sum()).isEqualTo(2);
    now.addAndGet(30_000);
    assertThat(counts.sum()).isZero();
  }

  @Test
  void aReusedBucketStartsFromZero() {
    counts.add(7);
    now.addAndGet(10_000);
    counts.add(1);
    assertThat(counts.sum()).isEqualTo(1);
  }

  @Test
  void aWindowShorterThanOneSecondIsRefused() {
    assertThatThrownBy(() -> new RecentCounts(0, now::get)).isInstanceOf(IllegalArgumentException.class);
  }
}
