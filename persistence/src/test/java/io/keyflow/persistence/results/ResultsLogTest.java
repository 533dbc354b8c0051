package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.results.ResultsBatchCodec.Firing;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** How {@link ResultsLog} turns the rows it read into the firings after a sequence number. */
class ResultsLogTest {

  private static Firing firing(long seq) {
    return new Firing(seq, "k" + seq, 0, 10, "{\"n\":" + seq + "}");
  }

  private static List<Firing> firings(long from, long to) {
    return LongStream.rangeClosed(from, to).mapToObj(ResultsLogTest::firing).toList();
  }

  private static List<Long> seqs(List<Firing> firings) {
    return firings.stream().map(Firing::seq).toList();
  }

  @Test
  void overlappingReWrittenDeliveriesYieldEachFiringOnceInOrder() {
    // First written as 1-3 and 4-8; after a crash re-delivered from 2 as 2-6, then 7-10 (rows by last seq).
    List<List<Firing>> rows = List.of(firings(1, 3), firings(2, 6), firings(4, 8), firings(7, 10));
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 0, 100))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 4, 100))).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void firingsAtOrBelowTheCursorAreDroppedAndTheRestCutToTheLimit() {
    List<List<Firing>> rows = List.of(firings(1, 5), firings(6, 9));
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 3, 3))).containsExactly(4L, 5L, 6L);
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 9, 3))).isEmpty();
  }

  @Test
  void gapsOfOtherStagesAndLateRecordsStayGaps() {
    // Sequence numbers are per key group: a tag's or a late record's numbers are missing here.
    List<List<Firing>> rows = List.of(List.of(firing(2), firing(5)), List.of(firing(5), firing(9)));
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 0, 10))).containsExactly(2L, 5L, 9L);
  }

  @Test
  void theOldLogsFiringsComeFirstAndMergeWithTheNewByNumber() {
    // A key group logged 1-6 one row per firing; after the upgrade it re-delivered from 5.
    List<Firing> legacy = firings(1, 6);
    List<List<Firing>> rows = List.of(firings(5, 8), firings(9, 12));
    assertThat(seqs(ResultsLog.inOrder(legacy, rows, 0, 100)))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 12).boxed().toList());
    assertThat(seqs(ResultsLog.inOrder(legacy.subList(0, 4), rows, 0, 4))).containsExactly(1L, 2L, 3L, 4L);
    assertThat(seqs(ResultsLog.inOrder(List.of(), rows, 6, 3))).containsExactly(7L, 8L, 9L);
  }

  @Test
  void aFiringFoundTwiceKeepsItsFirstCopy() {
    Firing old = new Firing(3, "old", 0, 10, "{}");
    assertThat(ResultsLog.inOrder(List.of(old), List.of(List.of(firing(3))), 0, 10)).containsExactly(old);
  }
}
