package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResultsRetentionTest {

  @Test
  void resultsAreKeptSevenDaysByDefault() {
    assertThat(ResultsRetention.create(ConfigFactory.load()).ttlSeconds()).isEqualTo(7 * 24 * 3600);
  }

  @Test
  void zeroKeepsResultsForeverAsCassandrasNoTtl() {
    assertThat(new ResultsRetention(Duration.ZERO).ttlSeconds()).isZero();
  }

  @Test
  void aRetentionCassandraCannotExpressIsRefused() {
    assertThatThrownBy(() -> new ResultsRetention(Duration.ofMillis(500))).hasMessageContaining("keyflow.results.retention");
    assertThatThrownBy(() -> new ResultsRetention(Duration.ofSeconds(-1))).hasMessageContaining("keyflow.results.retention");
    assertThatThrownBy(() -> new ResultsRetention(Duration.ofDays(365 * 21))).hasMessageContaining("keyflow.results.retention");
  }
}
