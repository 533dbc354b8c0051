package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ResultsGenerationTest {

  private static final long NOW_MICROS = 1_796_000_000_000_000L;

  @Test
  void aPipelineNeverResetStoresItsOutputSequenceNumbersUnchanged() {
    assertThat(ResultsGeneration.FIRST.storedSeq(1)).isEqualTo(1);
    assertThat(ResultsGeneration.FIRST.storedSeq(41)).isEqualTo(41);
  }

  @Test
  void afterAResetEveryNewResultOutranksTheTombstonesAndEveryOldSequenceNumber() {
    Random random = new Random(18);
    for (int round = 0; round < 500; round++) {
      ResultsGeneration old = random.nextBoolean() ? ResultsGeneration.FIRST
          : new ResultsGeneration(1 + random.nextInt(5), NOW_MICROS - 1 - random.nextInt(1_000_000_000));
      long highestOld = old.storedSeq(1 + random.nextInt(1_000_000));
      // Usually the wall clock is far ahead; sometimes (a clock set back) the old numbers are.
      long now = random.nextBoolean() ? NOW_MICROS : highestOld - random.nextInt(1000);
      ResultsGeneration next = old.next(now, highestOld);

      assertThat(next.generation()).isEqualTo(old.generation() + 1);
      long tombstone = next.seqBase();
      assertThat(tombstone).as("the reset's tombstones shadow every old result").isGreaterThanOrEqualTo(highestOld);
      assertThat(tombstone).as("and are not older than the wall clock").isGreaterThanOrEqualTo(now);
      assertThat(next.storedSeq(1)).as("the first new result is visible and after every old cursor")
          .isGreaterThan(tombstone).isGreaterThan(highestOld);
    }
  }

  @Test
  void aSecondResetStartsAboveTheFirstEvenWithTheClockBehind() {
    ResultsGeneration first = ResultsGeneration.FIRST.next(NOW_MICROS, 900);
    ResultsGeneration second = first.next(NOW_MICROS - 5_000_000, first.storedSeq(12));
    assertThat(second.generation()).isEqualTo(2);
    assertThat(second.storedSeq(1)).isGreaterThan(first.storedSeq(12));
  }

  @Test
  void outputSequenceNumbersStartAtOneAndNothingOverflowsSilently() {
    assertThatThrownBy(() -> ResultsGeneration.FIRST.storedSeq(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ResultsGeneration(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ResultsGeneration(1, Long.MAX_VALUE).storedSeq(1)).isInstanceOf(ArithmeticException.class);
  }
}
