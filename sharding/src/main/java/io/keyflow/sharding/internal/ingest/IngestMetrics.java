package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.sharding.IngestResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The ingest path's meters on this node, created once at start: events applied and duplicates per
 * pipeline, refusals by reason, the ack latency histogram, in-flight events and bytes (read from
 * {@link IngestAdmission}) and the {@link LoadSignal}. Every update is per request, not per event.
 */
public final class IngestMetrics {

  /** Why an ingest request was answered 503. */
  public enum Rejection {
    IN_FLIGHT_BYTES("in-flight-bytes"), IN_FLIGHT_EVENTS("in-flight-events"), NOT_ACKNOWLEDGED("not-acknowledged");

    final String tag;

    Rejection(String tag) {
      this.tag = tag;
    }
  }

  private record PipelineCounters(Counter events, Counter duplicates, Timer applied) {}

  private final Map<String, PipelineCounters> pipelines = new TreeMap<>();
  private final Map<Rejection, Counter> rejections = new java.util.EnumMap<>(Rejection.class);
  private final Timer ackLatency;
  /** Not exported: the same latencies with a p99 over the recent window only, for the load signal. */
  private final Timer recentAckLatency;
  private final RecentCounts recentAnswered;
  private final RecentCounts recentRefused;
  private final IngestAdmission admission;
  private final LoadSignalSettings settings;

  /** {@code firstStages}: each pipeline's name and the name of its first stage, the one ingest feeds. */
  public IngestMetrics(MeterRegistry registry, Map<String, String> firstStages, IngestAdmission admission,
                       LoadSignalSettings settings) {
    this(registry, firstStages, admission, settings, System::currentTimeMillis);
  }

  IngestMetrics(MeterRegistry registry, Map<String, String> firstStages, IngestAdmission admission,
                LoadSignalSettings settings, LongSupplier clockMillis) {
    this.admission = admission;
    this.settings = settings;
    firstStages.forEach((pipeline, stage) -> {
      pipelines.put(pipeline, new PipelineCounters(
          Counter.builder("keyflow.ingest.events").tag("pipeline", pipeline)
              .description("Events applied (acknowledged with 2xx), duplicates excluded").register(registry),
          Counter.builder("keyflow.ingest.duplicates").tag("pipeline", pipeline)
              .description("Events of retried requests that their key groups had applied before").register(registry),
          KeyflowMetrics.latency(registry, "keyflow.ingest.applied.latency",
              "From a request's records entering their key group's lane on this node (parsed, routed, their"
                  + " ticket claimed) to the key group confirming them applied; one sample per share",
              Tags.of("pipeline", pipeline, "stage", stage))));
    });
    for (Rejection r : Rejection.values()) {
      rejections.put(r, Counter.builder("keyflow.ingest.rejected").tag("reason", r.tag)
          .description("Ingest requests answered 503, by reason").register(registry));
    }
    this.ackLatency = KeyflowMetrics.latency(registry, "keyflow.ingest.ack.latency",
        "From an ingest request's arrival to its 2xx answer (every event in the journal)", Tags.empty());
    int windowSeconds = (int) settings.window().toSeconds();
    this.recentAckLatency = Timer.builder("keyflow.ingest.ack.latency.recent")
        .publishPercentiles(0.99).distributionStatisticExpiry(settings.window()).distributionStatisticBufferLength(5)
        .register(new SimpleMeterRegistry());
    this.recentAnswered = new RecentCounts(windowSeconds, clockMillis);
    this.recentRefused = new RecentCounts(windowSeconds, clockMillis);
    Gauge.builder("keyflow.ingest.in.flight.events", admission, IngestAdmission::eventsInFlight)
        .description("Ingest events parsed and not yet answered on this node").strongReference(true).register(registry);
    Gauge.builder("keyflow.ingest.in.flight.bytes", admission, IngestAdmission::bytesInFlight)
        .description("Ingest body bytes reserved and not yet answered on this node").strongReference(true).register(registry);
    Gauge.builder("keyflow.load.signal", this, IngestMetrics::loadSignal)
        .description("This node's load in [0,1]: max of in-flight events and bytes over their bounds, "
            + "recent 503 share, recent ack p99 over its target").strongReference(true).register(registry);
  }

  /** What the key groups reported for one request of {@code pipeline}. */
  public void applied(String pipeline, IngestResult result) {
    PipelineCounters counters = pipelines.get(pipeline);
    if (counters != null) {
      counters.events().increment(result.accepted());
      counters.duplicates().increment(result.duplicates());
    }
  }

  /** A share of a request of {@code pipeline} was applied by its key group {@code nanos} after entering its lane. */
  void shareApplied(String pipeline, long nanos) {
    PipelineCounters counters = pipelines.get(pipeline);
    if (counters != null) {
      counters.applied().record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  public void rejected(Rejection reason) {
    rejections.get(reason).increment();
  }

  /** An ingest request was answered with {@code status} after {@code nanos}. */
  public void answered(int status, long nanos) {
    recentAnswered.add(1);
    if (status == 503) {
      recentRefused.add(1);
    } else if (status >= 200 && status < 300) {
      ackLatency.record(nanos, TimeUnit.NANOSECONDS);
      recentAckLatency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** The current {@link LoadSignal} of this node. */
  public double loadSignal() {
    var percentiles = recentAckLatency.takeSnapshot().percentileValues();
    double p99 = percentiles.length == 0 ? Double.NaN : percentiles[0].value(TimeUnit.SECONDS);
    return LoadSignal.of(admission.eventsInFlight(), admission.maxEvents(), admission.bytesInFlight(), admission.maxBytes(),
        recentAnswered.sum(), recentRefused.sum(), p99, settings.targetAckLatency().toNanos() / 1e9);
  }
}
