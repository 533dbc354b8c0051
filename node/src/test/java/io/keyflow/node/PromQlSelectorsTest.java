package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.node.PromQlSelectors.Selector;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlSelectorsTest {

  @Test
  void aQuantileOverBucketsNeedsLeAndTheGroupingLabelsOnTheBuckets() {
    var parsed = PromQlSelectors.parse(
        "histogram_quantile(0.99, sum by (instance, le) (rate(x_seconds_bucket[$__rate_interval])))");
    assertThat(parsed.selectors()).containsExactly(new Selector("x_seconds_bucket", Set.of("instance", "le")));
    assertThat(parsed.variables()).containsExactly("__rate_interval");
  }

  @Test
  void aQuantileWithoutGroupingStillNeedsLe() {
    assertThat(PromQlSelectors.parse("histogram_quantile(0.5, rate(x_bucket[5m]))").selectors())
        .containsExactly(new Selector("x_bucket", Set.of("le")));
  }

  @Test
  void matchersGroupingAndVectorMatchingLabelsAllCount() {
    var parsed = PromQlSelectors.parse("sum by (instance) (rate(a_total{pipeline=~\"$pipeline\", stage=\"main\"}[1m]))"
        + " / on (instance) group_left (zone) sum by (instance, zone) (b)");
    assertThat(parsed.selectors()).containsExactly(
        new Selector("a_total", Set.of("instance", "pipeline", "stage", "zone")),
        new Selector("b", Set.of("instance", "zone")));
    assertThat(parsed.variables()).containsExactly("pipeline");
  }

  @Test
  void groupingWrittenAfterTheArgumentsAndParametersOfAggregationsAreUnderstood() {
    assertThat(PromQlSelectors.parse("quantile (0.5, g{p=\"x\"}) by (stage)").selectors())
        .containsExactly(new Selector("g", Set.of("p", "stage")));
    assertThat(PromQlSelectors.parse("count by (instance) (g unless g offset 1m)").selectors())
        .containsExactly(new Selector("g", Set.of("instance")), new Selector("g", Set.of("instance")));
    assertThat(PromQlSelectors.parse("-clamp_min(h{a=\"1\"}, 0) * 2 > bool 0.7").selectors())
        .containsExactly(new Selector("h", Set.of("a")));
  }

  @Test
  void expressionsOutsideTheSubsetAreRefusedRatherThanHalfRead() {
    for (String expression : new String[] {
        "label_replace(x, \"dst\", \"$1\", \"src\", \"(.*)\")", // a label hidden in a string
        "sum(rate(x[5m])",
        "{job=\"keyflow\"}",
        "sum by ($label) (x)",
        "rate(x[five])",
        "x{pipeline=$pipeline}",
        "42",
        "x y"}) {
      assertThatThrownBy(() -> PromQlSelectors.parse(expression)).as(expression)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PromQL");
    }
  }
}
