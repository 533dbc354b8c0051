package io.keyflow.sharding.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.Record;
import io.keyflow.sharding.internal.ingest.IngestAdmission;
import io.keyflow.sharding.internal.ingest.IngestMetrics;
import io.keyflow.sharding.internal.ingest.LoadSignalSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The facade's admission: what is refused before anything reaches a key group, and what is given back. */
class IngestionTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IngestAdmission admission = new IngestAdmission(1_000, 10);
  private final IngestMetrics metrics = new IngestMetrics(registry, Map.of(), admission,
      new LoadSignalSettings(Duration.ofSeconds(1), Duration.ofSeconds(10)));
  // No router: every case here is decided before a record would be routed.
  private final Ingestion ingestion = new Ingestion(admission, null, metrics);

  private double rejected(String reason) {
    return registry.get("keyflow.ingest.rejected").tag("reason", reason).counter().count();
  }

  @Test
  void aBodyOverTheInFlightBytesIsRefusedBeforeItIsReadAndCounted() {
    Ingestion.Reservation first = ingestion.reserve(800);
    assertThat(first).isNotNull();
    assertThat(ingestion.reserve(300)).isNull();
    assertThat(rejected("in-flight-bytes")).isEqualTo(1);
    first.release();
    assertThat(admission.bytesInFlight()).isZero();
    assertThat(ingestion.reserve(300)).isNotNull();
  }

  @Test
  void eventsOverTheInFlightBoundAreRefusedAndTheBytesStillGiveBack() {
    admission.tryReserveEvents(5); // another request's events, in flight
    Ingestion.Reservation reservation = ingestion.reserve(100);
    List<Record> records = Collections.nCopies(6, new Record("k", 1, Map.of()));
    assertThat(reservation.apply(null, IdempotencyHeaders.parse(name -> null), "application/x-ndjson",
        new byte[0], records)).isNull();
    assertThat(rejected("in-flight-events")).isEqualTo(1);
    assertThat(admission.eventsInFlight()).isEqualTo(5);
    reservation.release();
    assertThat(admission.eventsInFlight()).isEqualTo(5);
    assertThat(admission.bytesInFlight()).isZero();
  }

  @Test
  void anIdempotencyKeyClaimCarriesTheFingerprintOfMediaAndBody() {
    byte[] body = "{\"user\":\"a\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(IdempotencyHeaders.fingerprint("application/json", body))
        .hasSize(32)
        .isEqualTo(IdempotencyHeaders.fingerprint("application/json", body))
        .isNotEqualTo(IdempotencyHeaders.fingerprint("application/x-ndjson", body));
    assertThat(IdempotencyHeaders.parse(name -> null).claim("application/json", body)).isNull();
  }
}
