package io.keyflow.sharding.ingest;

import com.typesafe.config.Config;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.KeyGroupKeeper;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import io.keyflow.sharding.internal.ingest.IngestAdmission;
import io.keyflow.sharding.internal.ingest.IngestMetrics;
import io.keyflow.sharding.internal.ingest.IngestRouter;
import io.keyflow.sharding.internal.ingest.LoadSignalSettings;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The one entry point of ingestion for the HTTP route: admission (in-flight bytes before the body
 * is read, in-flight events once it is parsed), the idempotency rule (headers → the claim the home
 * key group judges, with the body's fingerprint), the routing of records to their key groups and the
 * ingest metrics. The route owns only HTTP: media types, encodings, parsing and the answers' shapes.
 *
 * <p>A request is {@link #reserve reserved}, then {@link Reservation#apply applied}, and its
 * reservation {@link Reservation#release released} when its answer is known, whatever it is.
 *
 * <p>In a package of its own because it builds the ingest machinery ({@code internal.ingest}), which
 * uses the top-level types (settings, results, refusals, {@link KeyGroupSharding}): the top level
 * must not depend on it in turn.
 */
public final class Ingestion {

  private final IngestAdmission admission;
  private final IngestRouter router;
  private final IngestMetrics metrics;

  Ingestion(IngestAdmission admission, IngestRouter router, IngestMetrics metrics) {
    this.admission = admission;
    this.router = router;
    this.metrics = metrics;
  }

  /**
   * Starts this node's ingestion: its in-flight bounds, its meters in {@code registry}, the
   * forwarding of shares to the nodes that hold their key groups, and the resending of what waits on
   * a removed member (told by {@code keeper}). {@code idempotencyWindow} is
   * {@code keyflow.persistence.idempotency-window}, for the 409 message.
   */
  public static Ingestion start(ActorSystem<?> system, KeyGroupSharding sharding, KeyGroupKeeper keeper,
      MeterRegistry registry, long maxInFlightBytes, long maxInFlightEvents, Duration idempotencyWindow) {
    Config config = system.settings().config();
    IngestAdmission admission = new IngestAdmission(maxInFlightBytes, maxInFlightEvents);
    Map<String, String> firstStages = new TreeMap<>();
    sharding.pipelines().forEach((name, definition) -> firstStages.put(name, definition.stage()));
    IngestMetrics metrics = new IngestMetrics(registry, firstStages, admission, LoadSignalSettings.create(config));
    IngestRouter router = new IngestRouter(sharding, ShardingSettings.create(config), metrics, idempotencyWindow);
    keeper.onMemberRemoved(router::memberRemoved);
    router.forwardToOwners(system);
    return new Ingestion(admission, router, metrics);
  }

  /**
   * Reserves {@code bytes} of the in-flight bound before the body is read; null (and counted as a
   * rejection) when the bound is reached: the request is then answered 503 without reading it.
   */
  public Reservation reserve(long bytes) {
    if (!admission.tryReserveBytes(bytes)) {
      metrics.rejected(IngestMetrics.Rejection.IN_FLIGHT_BYTES);
      return null;
    }
    return new Reservation(bytes);
  }

  /** Advances the watermark of every key group of the pipeline's first stage; completes with the lowest. */
  public CompletionStage<Long> advanceWatermark(PipelineDefinition pipeline, long watermark) {
    return router.advanceWatermark(pipeline, watermark);
  }

  /** Every ingest answer, by status and time from request to answer. */
  public void answered(int status, long nanos) {
    metrics.answered(status, nanos);
  }

  /** A request that failed after it was admitted and was answered 503 (retry). */
  public void notAcknowledged() {
    metrics.rejected(IngestMetrics.Rejection.NOT_ACKNOWLEDGED);
  }

  /** One admitted request's share of the in-flight bounds. */
  public final class Reservation {

    private final long bytes;
    private long events;

    private Reservation(long bytes) {
      this.bytes = bytes;
    }

    /**
     * Reserves the parsed records' share of the in-flight events and applies them exactly once per
     * idempotency claim (see {@link IngestRouter#ingest}); null (and counted as a rejection) when
     * the events' bound is reached and nothing was sent. {@code media} and {@code body} make the
     * fingerprint an Idempotency-Key is checked against. Fails with {@link IngestRefused} when the
     * claim is refused.
     */
    public CompletionStage<IngestResult> apply(PipelineDefinition pipeline, IdempotencyHeaders idempotency,
        String media, byte[] body, List<Record> records) {
      if (!admission.tryReserveEvents(records.size())) {
        metrics.rejected(IngestMetrics.Rejection.IN_FLIGHT_EVENTS);
        return null;
      }
      events = records.size();
      return router.ingest(pipeline, idempotency.key(), idempotency.claim(media, body), records);
    }

    /** Gives the reserved bytes and events back; once, when the request is answered. */
    public void release() {
      admission.releaseBytes(bytes);
      admission.releaseEvents(events);
    }
  }
}
