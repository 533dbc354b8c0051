package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.persistence.journal.Segments.Entry;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which segments a recovery reads and a deletion touches, per epoch, and when a node rolls its segment. */
class SegmentsTest {

  private static final UUID A1 = new UUID(0, 1);
  private static final UUID A2 = new UUID(0, 2);
  private static final UUID B1 = new UUID(0, 3);
  private static final UUID B2 = new UUID(0, 4);

  private static NavigableMap<Long, Long> starts(long... epochAndStart) {
    TreeMap<Long, Long> starts = new TreeMap<>();
    for (int i = 0; i < epochAndStart.length; i += 2) {
      starts.put(epochAndStart[i], epochAndStart[i + 1]);
    }
    return starts;
  }

  @Test
  void oneWriterReadsTheEntryCoveringFromAndEveryLaterOne() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(1, 50, A2), new Entry(1, 90, B1));
    assertThat(Segments.toRead(entries, 60, starts(1, 1)).keySet()).containsExactly(A2, B1);
    assertThat(Segments.toRead(entries, 1, starts(1, 1)).keySet()).containsExactly(A1, A2, B1);
    assertThat(Segments.toRead(entries, 50, starts(1, 1)).keySet()).containsExactly(A2, B1);
    assertThat(Segments.toRead(entries, 500, starts(1, 1)).keySet()).containsExactly(B1);
  }

  /**
   * Epoch 1 (node A) wrote 1..100 in A1; epoch 2 (node B) started at 101 in B1; the stale node A
   * rolled to A2 and indexed it at 105 (rows there are invalid). A recovery from 107 must still read
   * B1: picking the latest entry at or below 107 across epochs would pick A2 and lose 107.. of B1.
   */
  @Test
  void entriesOfAStaleEpochNeverHideTheValidOnes() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(2, 101, B1), new Entry(1, 105, A2));
    NavigableMap<Long, Long> starts = starts(1, 1, 2, 101);
    assertThat(Segments.toRead(entries, 107, starts).keySet()).containsExactly(B1);
    assertThat(Segments.toRead(entries, 50, starts).keySet()).containsExactlyInAnyOrder(A1, A2, B1);
  }

  /**
   * A node keeps its open segment across its ownerships of an id: epoch 1 wrote 1 in A1, epoch 2
   * (the same node, recovered in place, start 2) sent 2 to A1 too, but that write failed and its
   * entry never landed. A recovery that reads A1 for epoch 1's entry must not count row (2, 2): a
   * later recovery, with no entry naming A1 for epoch 2, would not see it (found by
   * EpochProtocolModelTest's search).
   */
  @Test
  void aSegmentCountsOnlyForTheEpochsWhoseEntriesChoseIt() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(3, 3, B1));
    var read = Segments.toRead(entries, 1, starts(1, 1, 2, 2, 3, 3));
    assertThat(read.keySet()).containsExactly(A1, B1);
    assertThat(read.get(A1)).as("A1 holds epoch 1's rows, not epoch 2's").containsExactly(1L);
    assertThat(read.get(B1)).containsExactly(3L);
    // A segment two epochs' entries name counts for both.
    assertThat(Segments.toRead(List.of(new Entry(1, 1, A1), new Entry(2, 2, A1)), 1, starts(1, 1, 2, 2)).get(A1))
        .containsExactly(1L, 2L);
  }

  @Test
  void anEpochWithoutARecordedStartOwnsNoRowsToRead() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(2, 10, B1));
    assertThat(Segments.toRead(entries, 5, starts(1, 1)).keySet()).containsExactly(A1);
  }

  @Test
  void aDeletionDropsEntriesWhollyBelowItAndTrimsTheOneCoveringIt() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(1, 50, A2), new Entry(1, 90, B1));
    assertThat(Segments.deletion(entries, 60, starts(1, 1), 1).drop()).containsExactly(new Entry(1, 1, A1));
    assertThat(Segments.deletion(entries, 60, starts(1, 1), 1).trim()).containsExactly(new Entry(1, 50, A2));
    // Up to 89: the entry at 90 starts right after, so the one at 50 holds nothing above 89.
    assertThat(Segments.deletion(entries, 89, starts(1, 1), 1).drop()).containsExactly(new Entry(1, 1, A1), new Entry(1, 50, A2));
    assertThat(Segments.deletion(entries, 89, starts(1, 1), 1).trim()).isEmpty();
  }

  @Test
  void aDeletionDropsEarlierEpochsOnlyWhenTheirRowsEndBelowIt() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(1, 105, A2), new Entry(2, 101, B1), new Entry(2, 300, B2));
    NavigableMap<Long, Long> starts = starts(1, 1, 2, 101);
    // Epoch 1's valid rows end at 100: both of its entries go with a deletion up to 100.
    assertThat(Segments.deletion(entries, 100, starts, 2).drop()).containsExactly(new Entry(1, 1, A1), new Entry(1, 105, A2));
    assertThat(Segments.deletion(entries, 100, starts, 2).trim()).isEmpty();
    // Up to 99, epoch 1 still owns row 100.
    assertThat(Segments.deletion(entries, 99, starts, 2).drop()).isEmpty();
    assertThat(Segments.deletion(entries, 99, starts, 2).trim()).containsExactly(new Entry(1, 1, A1));
  }

  @Test
  void aStaleDeleterNeverTouchesLaterEpochs() {
    // Owner of epoch 1 does not know epoch 2 (no start of it in its map): epoch 2's entries stay.
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(2, 101, B1));
    assertThat(Segments.deletion(entries, 500, starts(1, 1), 1).drop()).isEmpty();
    assertThat(Segments.deletion(entries, 500, starts(1, 1), 1).trim()).containsExactly(new Entry(1, 1, A1));
  }

  @Test
  void anEarlierEpochThatNeverStartedIsDropped() {
    List<Entry> entries = List.of(new Entry(1, 1, A1), new Entry(2, 5, A2), new Entry(3, 5, B1));
    assertThat(Segments.deletion(entries, 3, starts(1, 1, 3, 5), 3).drop()).containsExactly(new Entry(2, 5, A2));
  }

  @Test
  void aNodeRollsItsSegmentPerStageBySizeAndAge() {
    AtomicLong now = new AtomicLong();
    Segments segments = new Segments(100, 1_000, now::get);
    UUID first = segments.writeTo("p|s", 60);
    assertThat(segments.writeTo("p|s", 60)).as("below the bytes when written").isEqualTo(first);
    UUID second = segments.writeTo("p|s", 10);
    assertThat(second).as("past the bytes").isNotEqualTo(first);
    assertThat(segments.writeTo("p|t", 10)).as("stages apart").isNotEqualTo(second);
    now.addAndGet(1_000);
    assertThat(segments.writeTo("p|s", 1)).as("past the age").isNotEqualTo(second);
    assertThatThrownBy(() -> new Segments(0, 1, now::get)).hasMessageContaining("segment limits");
  }
}
