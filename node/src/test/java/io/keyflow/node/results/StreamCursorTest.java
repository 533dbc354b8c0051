package io.keyflow.node.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.node.http.ResultsRoutes;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StreamCursorTest {

  @Test
  void aCursorReadsBackAsTheSamePositionInEveryKeyGroup() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      StreamCursor cursor = StreamCursor.start(128);
      for (int i = 0; i < random.nextInt(128); i++) {
        cursor = cursor.advance(random.nextInt(128), 1 + (random.nextBoolean() ? random.nextInt(1000) : random.nextLong(Long.MAX_VALUE)));
      }
      StreamCursor back = StreamCursor.decode(cursor.encode(), 128);
      assertThat(back).isEqualTo(cursor);
      for (int kg = 0; kg < 128; kg++) {
        assertThat(back.after(kg)).isEqualTo(cursor.after(kg));
      }
    }
  }

  @Test
  void theStartIsTheEmptyCursorAndReadsBackAsNothingSent() {
    assertThat(StreamCursor.start(16).encode()).isEqualTo("c1.");
    assertThat(StreamCursor.decode("c1.", 16).after(3)).isZero();
  }

  @Test
  void everyKeyGroupWithProgressStaysPrintableAndUnderOneKilobyte() {
    StreamCursor cursor = StreamCursor.start(128);
    for (int kg = 0; kg < 128; kg++) {
      cursor = cursor.advance(kg, 1_000_000 + kg);
    }
    String text = cursor.encode();
    assertThat(text).hasSizeLessThan(1024).matches("c1\\.[A-Za-z0-9_-]+");
  }

  @Test
  void malformedCursorsAreRefused() {
    String outOfRange = "c1." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {20, 5});
    String zeroSeq = "c1." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, 0});
    String truncated = "c1." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, (byte) 0x85});
    String tooLong = "c1." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {0,
        (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
    for (String bad : new String[] {null, "", "42", "c2.AQE", "c1.!!", outOfRange, zeroSeq, truncated, tooLong, "c1.AQ"}) {
      assertThatThrownBy(() -> StreamCursor.decode(bad, 16)).as(String.valueOf(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void withOneKeyGroupTheLastEventIdIsTheOutputSequenceNumber() {
    assertThat(ResultsRoutes.resumeAfter("41", 128, 5).after(5)).isEqualTo(41);
    assertThat(ResultsRoutes.resumeAfter("41", 128, 5).after(4)).isZero();
    assertThat(ResultsRoutes.resumeAfter(null, 128, 5)).isEqualTo(StreamCursor.start(128));
    assertThat(ResultsRoutes.resumeAfter("", 128, null)).isEqualTo(StreamCursor.start(128));
    for (String bad : new String[] {"-1", "x", "c1.AQE", "1.5"}) {
      assertThatThrownBy(() -> ResultsRoutes.resumeAfter(bad, 128, 5)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> ResultsRoutes.resumeAfter("41", 128, null)).isInstanceOf(IllegalArgumentException.class);
  }
}
