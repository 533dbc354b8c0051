package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.WindowResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatestResultsTest {

  private static ResultsBatchCodec.Firing firing(long seq, String key, long start, int n) {
    return new ResultsBatchCodec.Firing(seq, key, start, start + 10, "{\"n\":" + n + "}");
  }

  private static List<WindowResult> read(List<ResultsBatchCodec.Firing> firings, String key, long from, long to) {
    LatestResults latest = new LatestResults();
    firings.forEach(latest::merge);
    return latest.results(key, from, to, json -> Map.of("json", json));
  }

  private static WindowResult result(String key, long start, int n) {
    return new WindowResult(key, start, start + 10, Map.of("json", "{\"n\":" + n + "}"));
  }

  @Test
  void theHighestSequenceNumberOfAWindowWinsInWhateverOrderItIsRead() {
    var first = firing(3, "a", 0, 1);
    var refired = firing(9, "a", 0, 2);
    var other = firing(4, "b", 0, 5);
    assertThat(read(List.of(first, refired, other), null, Long.MIN_VALUE, Long.MAX_VALUE))
        .containsExactly(result("a", 0, 2), result("b", 0, 5));
    assertThat(read(List.of(refired, other, first, first), null, Long.MIN_VALUE, Long.MAX_VALUE))
        .containsExactly(result("a", 0, 2), result("b", 0, 5));
  }

  @Test
  void aKeyAndAWindowRangeSelectAndResultsComeByKeyThenWindowStart() {
    var firings = List.of(firing(1, "b", 20, 1), firing(2, "a", 20, 2), firing(3, "a", 0, 3), firing(4, "a", 10, 4),
        firing(5, "b", 0, 5));
    assertThat(read(firings, null, Long.MIN_VALUE, Long.MAX_VALUE)).containsExactly(result("a", 0, 3),
        result("a", 10, 4), result("a", 20, 2), result("b", 0, 5), result("b", 20, 1));
    assertThat(read(firings, "a", 10, 20)).containsExactly(result("a", 10, 4));
    assertThat(read(firings, "b", 0, 21)).containsExactly(result("b", 0, 5), result("b", 20, 1));
    assertThat(read(firings, "c", Long.MIN_VALUE, Long.MAX_VALUE)).isEmpty();
  }
}
