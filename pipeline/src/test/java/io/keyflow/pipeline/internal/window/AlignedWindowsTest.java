package io.keyflow.pipeline.internal.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.WindowSpec;
import org.junit.jupiter.api.Test;

class AlignedWindowsTest {

  @Test
  void aTumblingWindowSlidesByItsSizeAndStartsAtTheOffset() {
    AlignedWindows tumbling = AlignedWindows.of(new WindowSpec.Tumbling(100, 7));
    assertThat(tumbling).isEqualTo(new AlignedWindows(100, 100, 7));
    assertThat(tumbling.lastStart(7)).isEqualTo(7);
    assertThat(tumbling.lastStart(106)).isEqualTo(7);
    assertThat(tumbling.lastStart(107)).isEqualTo(107);
  }

  @Test
  void timestampsBeforeTheEpochAlignDownwards() {
    AlignedWindows tumbling = AlignedWindows.of(new WindowSpec.Tumbling(100, 0));
    assertThat(tumbling.lastStart(-1)).isEqualTo(-100);
    assertThat(tumbling.lastStart(-100)).isEqualTo(-100);
  }

  @Test
  void aSlidingWindowsLatestStartIsTheLastSlideAtOrBeforeTheTimestamp() {
    AlignedWindows sliding = AlignedWindows.of(new WindowSpec.Sliding(100, 30, 3));
    assertThat(sliding).isEqualTo(new AlignedWindows(100, 30, 3));
    assertThat(sliding.lastStart(95)).isEqualTo(93);
    assertThat(sliding.lastStart(92)).isEqualTo(63);
  }

  @Test
  void sessionsAreNotAligned() {
    assertThat(AlignedWindows.of(new WindowSpec.Session(10))).isNull();
  }
}
