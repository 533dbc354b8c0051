package io.keyflow.node.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebhookBackoffTest {

  private final WebhookBackoff backoff = new WebhookBackoff(Duration.ofMillis(200), Duration.ofSeconds(5));

  @Test
  void theWaitDoublesPerFailedAttemptUpToTheMaximum() {
    assertThat(backoff.delayAfter(1)).isEqualTo(Duration.ofMillis(200));
    assertThat(backoff.delayAfter(2)).isEqualTo(Duration.ofMillis(400));
    assertThat(backoff.delayAfter(5)).isEqualTo(Duration.ofMillis(3200));
    assertThat(backoff.delayAfter(6)).isEqualTo(Duration.ofSeconds(5));
    assertThat(backoff.delayAfter(1_000_000)).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> backoff.delayAfter(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyA2xxAnswerCountsAsDelivered() {
    assertThat(WebhookBackoff.accepted(200)).isTrue();
    assertThat(WebhookBackoff.accepted(204)).isTrue();
    assertThat(WebhookBackoff.accepted(301)).isFalse();
    assertThat(WebhookBackoff.accepted(409)).isFalse();
    assertThat(WebhookBackoff.accepted(500)).isFalse();
  }
}
