package io.keyflow.loadtests.autoscale;

import static io.keyflow.loadtests.autoscale.ScalingPolicy.Decision.ADD_NODE;
import static io.keyflow.loadtests.autoscale.ScalingPolicy.Decision.REMOVE_NODE;
import static io.keyflow.loadtests.autoscale.ScalingPolicy.Decision.STAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScalingPolicyTest {

  private final ScalingPolicy policy = new ScalingPolicy(2, 4, 0.7, 0.3, 3, 5, 2);

  @Test
  void addsANodeOnlyAfterTheSignalStaysHighForUpAfterSamples() {
    assertThat(policy.sample(0.9, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(ADD_NODE);
  }

  @Test
  void aDipBelowHighStartsTheCountAgain() {
    policy.sample(0.9, 2);
    policy.sample(0.9, 2);
    assertThat(policy.sample(0.5, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(ADD_NODE);
  }

  @Test
  void waitsOutTheCooldownAfterAChange() {
    for (int i = 0; i < 2; i++) {
      policy.sample(1.0, 2);
    }
    assertThat(policy.sample(1.0, 2)).isEqualTo(ADD_NODE);
    assertThat(policy.sample(1.0, 3)).isEqualTo(STAY);
    assertThat(policy.sample(1.0, 3)).isEqualTo(STAY);
    assertThat(policy.sample(1.0, 3)).isEqualTo(STAY);
    assertThat(policy.sample(1.0, 3)).isEqualTo(STAY);
    assertThat(policy.sample(1.0, 3)).isEqualTo(ADD_NODE);
  }

  @Test
  void removesANodeAfterALongLowAndNeverGoesBelowMin() {
    for (int i = 0; i < 4; i++) {
      assertThat(policy.sample(0.1, 3)).isEqualTo(STAY);
    }
    assertThat(policy.sample(0.1, 3)).isEqualTo(REMOVE_NODE);
    for (int i = 0; i < 20; i++) {
      assertThat(policy.sample(0.0, 2)).isEqualTo(STAY);
    }
  }

  @Test
  void neverGrowsBeyondMax() {
    for (int i = 0; i < 20; i++) {
      assertThat(policy.sample(1.0, 4)).isEqualTo(STAY);
    }
  }

  @Test
  void aSignalBetweenLowAndHighChangesNothing() {
    for (int i = 0; i < 50; i++) {
      assertThat(policy.sample(0.5, 3)).isEqualTo(STAY);
    }
  }

  @Test
  void noAnswerIsNoEvidence() {
    policy.sample(0.9, 2);
    policy.sample(0.9, 2);
    assertThat(policy.sample(Double.NaN, 2)).isEqualTo(STAY);
    assertThat(policy.sample(0.9, 2)).isEqualTo(STAY);
  }

  @Test
  void restoresTheMinimumWhenNodesAreMissing() {
    assertThat(policy.sample(0.5, 1)).isEqualTo(ADD_NODE);
  }

  @Test
  void refusesAnInvertedBand() {
    assertThatThrownBy(() -> new ScalingPolicy(1, 3, 0.3, 0.7, 1, 1, 0)).hasMessageContaining("low < high");
    assertThatThrownBy(() -> new ScalingPolicy(3, 2, 0.7, 0.3, 1, 1, 0)).hasMessageContaining("min <= max");
  }

  @Test
  void readsTheSignalOutOfPrometheusText() {
    String text = """
        # HELP keyflow_load_signal_max something else
        keyflow_load_signal_max 0.99
        # TYPE keyflow_load_signal gauge
        keyflow_load_signal{node="127.0.0.2"} 0.42
        """;
    assertThat(PrometheusText.firstValue(text, "keyflow_load_signal")).isEqualTo(0.42);
    assertThat(PrometheusText.firstValue("keyflow_load_signal 1.0\n", "keyflow_load_signal")).isEqualTo(1.0);
    assertThat(PrometheusText.firstValue("other 1\n", "keyflow_load_signal")).isNaN();
  }
}
