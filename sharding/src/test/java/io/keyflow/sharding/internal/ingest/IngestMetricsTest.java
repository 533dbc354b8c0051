package io.keyflow.sharding.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.keyflow.sharding.IngestResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IngestMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IngestAdmission admission = new IngestAdmission(1_000, 100);
  private final AtomicLong now = new AtomicLong(5_000_000);
  private final IngestMetrics metrics = new IngestMetrics(registry, Map.of("clicks", "main", "orders", "main"), admission,
      new LoadSignalSettings(Duration.ofSeconds(1), Duration.ofSeconds(10)), now::get);

  private double counter(String name, String pipeline) {
    return registry.get(name).tag("pipeline", pipeline).counter().count();
  }

  @Test
  void appliedEventsAndDuplicatesAreCountedPerPipeline() {
    metrics.applied("clicks", new IngestResult(40, 0));
    metrics.applied("clicks", new IngestResult(10, 30));
    metrics.applied("orders", new IngestResult(7, 0));
    assertThat(counter("keyflow.ingest.events", "clicks")).isEqualTo(50);
    assertThat(counter("keyflow.ingest.duplicates", "clicks")).isEqualTo(30);
    assertThat(counter("keyflow.ingest.events", "orders")).isEqualTo(7);
  }

  @Test
  void inFlightGaugesReadTheAdmission() {
    admission.tryReserveBytes(300);
    admission.tryReserveEvents(20);
    assertThat(registry.get("keyflow.ingest.in.flight.bytes").gauge().value()).isEqualTo(300);
    assertThat(registry.get("keyflow.ingest.in.flight.events").gauge().value()).isEqualTo(20);
    assertThat(registry.get("keyflow.load.signal").gauge().value()).isCloseTo(0.3, within(1e-9));
  }

  @Test
  void refusalsRaiseTheLoadSignalUntilTheyAgeOut() {
    for (int i = 0; i < 3; i++) {
      metrics.answered(200, 1_000_000);
    }
    metrics.answered(503, 1_000);
    metrics.rejected(IngestMetrics.Rejection.IN_FLIGHT_EVENTS);
    assertThat(registry.get("keyflow.ingest.rejected").tag("reason", "in-flight-events").counter().count()).isEqualTo(1);
    assertThat(metrics.loadSignal()).isCloseTo(0.25, within(1e-9));
    now.addAndGet(11_000);
    assertThat(metrics.loadSignal()).isLessThan(0.25);
  }

  @Test
  void onlyAcknowledgedRequestsEnterTheAckLatency() {
    metrics.answered(200, 2_000_000);
    metrics.answered(400, 9_000_000_000L);
    metrics.answered(503, 9_000_000_000L);
    var timer = registry.get("keyflow.ingest.ack.latency").timer();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isCloseTo(2.0, within(0.01));
  }

  @Test
  void aSlowRecentP99PushesTheSignalTowardsOne() {
    for (int i = 0; i < 100; i++) {
      metrics.answered(200, 1_500_000_000L);
    }
    assertThat(metrics.loadSignal()).isEqualTo(1.0);
  }

  @Test
  void sharesAppliedAreTimedPerPipelineAndItsFirstStage() {
    metrics.shareApplied("clicks", 3_000_000);
    metrics.shareApplied("unknown", 1_000_000);
    var timer = registry.get("keyflow.ingest.applied.latency").tags("pipeline", "clicks", "stage", "main").timer();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(3.0);
    assertThat(registry.get("keyflow.ingest.applied.latency").tags("pipeline", "orders").timer().count()).isZero();
  }
}
