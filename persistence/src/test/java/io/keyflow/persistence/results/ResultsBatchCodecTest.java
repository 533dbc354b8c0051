package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.persistence.results.ResultsBatchCodec.Firing;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultsBatchCodecTest {

  @Test
  void firingsSurviveTheRoundTripInOrder() {
    List<Firing> firings = List.of(
        new Firing(1, "user-1", 1_700_000_000_000L, 1_700_000_010_000L, "{\"n\":3,\"total\":12.5}"),
        new Firing(2, "user-2", 1_700_000_000_000L, 1_700_000_010_000L, "{\"n\":1}"),
        new Firing(9, "user-1", 1_700_000_010_000L, 1_700_000_020_000L, "{\"n\":null}"));
    assertThat(ResultsBatchCodec.decode(ResultsBatchCodec.encode(firings))).isEqualTo(firings);
  }

  @Test
  void emptyKeysEmptyValuesAndUnicodeKeysRoundTrip() {
    List<Firing> firings = List.of(
        new Firing(5, "", 0, 0, "{}"),
        new Firing(6, "Zürich · 東京 · 🚀", -10_000, 10_000, ""),
        new Firing(7, "k", 0, 1, "{\"name\":\"naïve ☃\"}"));
    assertThat(ResultsBatchCodec.decode(ResultsBatchCodec.encode(firings))).isEqualTo(firings);
  }

  @Test
  void storedSequenceNumbersOfAResetPipelineAndExtremeWindowsRoundTrip() {
    long base = new ResultsGeneration(0, 0).next(1_800_000_000_000_000L, 0).seqBase();
    List<Firing> firings = List.of(
        new Firing(base + 1, "a", Long.MIN_VALUE, Long.MAX_VALUE, "{}"),
        new Firing(base + 2, "b", Long.MAX_VALUE, Long.MIN_VALUE, "{}"),
        new Firing(Long.MAX_VALUE, "c", -1, Long.MAX_VALUE, "{}"));
    assertThat(ResultsBatchCodec.decode(ResultsBatchCodec.encode(firings))).isEqualTo(firings);
  }

  @Test
  void aFiringCostsItsKeyAndValuesTextAndAboutADozenBytes() {
    List<Firing> firings = new java.util.ArrayList<>();
    long bytesOfText = 0;
    for (int i = 1; i <= 100; i++) {
      Firing f = new Firing(1_800_000_000_000_000L + i, "user-" + i, 1_700_000_000_000L, 1_700_000_010_000L,
          "{\"n\":" + i + ",\"total\":" + (i * 7) + "}");
      firings.add(f);
      bytesOfText += f.key().length() + f.valuesJson().length();
    }
    ByteBuffer blob = ResultsBatchCodec.encode(firings);
    // Per firing beyond its text: sequence delta 1, two lengths 2, window start 6, window length 3 bytes;
    // once: format, count and the first sequence number in full.
    assertThat(blob.remaining() - bytesOfText).isLessThanOrEqualTo(100 * 12 + 12);
    assertThat(ResultsBatchCodec.decode(blob)).isEqualTo(firings);
    assertThat(blob.position()).as("decode leaves the buffer as it was").isZero();
  }

  @Test
  void unorderedOrEmptyBatchesAreRefused() {
    assertThatThrownBy(() -> ResultsBatchCodec.encode(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResultsBatchCodec.encode(List.of(new Firing(3, "a", 0, 1, "{}"), new Firing(3, "b", 0, 1, "{}"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResultsBatchCodec.encode(List.of(new Firing(0, "a", 0, 1, "{}"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void truncatedOrUnknownBlobsAreReportedAsCorrupt() {
    byte[] blob = toBytes(ResultsBatchCodec.encode(List.of(new Firing(1, "key", 0, 10, "{\"n\":1}"))));
    for (int length = 0; length < blob.length; length++) {
      ByteBuffer truncated = ByteBuffer.wrap(Arrays.copyOf(blob, length));
      assertThatThrownBy(() -> ResultsBatchCodec.decode(truncated)).as("first %d bytes", length)
          .isInstanceOf(IllegalStateException.class);
    }
    blob[0] = 2;
    assertThatThrownBy(() -> ResultsBatchCodec.decode(ByteBuffer.wrap(blob))).hasMessageContaining("format 2");
  }

  private static byte[] toBytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
