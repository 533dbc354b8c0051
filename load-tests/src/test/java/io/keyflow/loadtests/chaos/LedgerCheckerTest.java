package io.keyflow.loadtests.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.loadtests.chaos.LedgerChecker.ReadBack;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LedgerCheckerTest {

  private static SortedSet<Long> seqs(long from, long to) {
    TreeSet<Long> set = new TreeSet<>();
    LongStream.rangeClosed(from, to).forEach(set::add);
    return set;
  }

  private static ReadBack holding(long... seqs) {
    ReadBack r = ReadBack.NOTHING;
    for (long s : seqs) {
      r = r.plus(new ReadBack(1, s, s, s));
    }
    return r;
  }

  @Test
  void aFaithfulReadBackPasses() {
    var report = LedgerChecker.check(Map.of("a", seqs(1, 5), "b", seqs(1, 2)),
        Map.of("a", holding(1, 2, 3).plus(holding(4, 5)), "b", holding(1, 2)));
    assertThat(report.ok()).isTrue();
    assertThat(report.acked()).isEqualTo(7);
  }

  @Test
  void reportsLostEvents() {
    var report = LedgerChecker.check(Map.of("a", seqs(1, 5), "b", seqs(1, 3)), Map.of("a", holding(1, 2, 3, 4)));
    assertThat(report.lost()).isEqualTo(1 + 3);
    assertThat(report.duplicated()).isZero();
    assertThat(report.ok()).isFalse();
    assertThat(report.problems()).hasSize(2);
  }

  @Test
  void reportsDuplicatedEvents() {
    var report = LedgerChecker.check(Map.of("a", seqs(1, 3)), Map.of("a", holding(1, 2, 2, 3, 3)));
    assertThat(report.duplicated()).isEqualTo(2);
    assertThat(report.lost()).isZero();
  }

  @Test
  void anEqualCountWithAnotherSumIsOneLostAndOneDuplicated() {
    var report = LedgerChecker.check(Map.of("a", seqs(1, 3)), Map.of("a", holding(1, 1, 3)));
    assertThat(report.lost()).isEqualTo(1);
    assertThat(report.duplicated()).isEqualTo(1);
  }

  @Test
  void reportsASequenceGap() {
    // Same count and sum as the acknowledged 2..5 (14), but not a contiguous run: only min/max see it.
    var report = LedgerChecker.check(Map.of("a", seqs(2, 5)), Map.of("a", holding(1, 3, 4, 6)));
    assertThat(report.gaps()).isEqualTo(1);
    assertThat(report.ok()).isFalse();
  }

  @Test
  void eventsNobodyAcknowledgedAreDuplicates() {
    var report = LedgerChecker.check(Map.of(), Map.of("ghost", holding(1)));
    assertThat(report.duplicated()).isEqualTo(1);
  }
}
