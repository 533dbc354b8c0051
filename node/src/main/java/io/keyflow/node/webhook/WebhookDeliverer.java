package io.keyflow.node.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyflow.node.json.JsonViews;
import io.keyflow.persistence.results.ResultsLog;
import io.keyflow.persistence.results.WebhookOffsets;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook sink of one pipeline: one per cluster (a Cluster Singleton), it tails the results log
 * of every key group of the configured stage from the cursor in {@code webhook_offsets} and POSTs
 * each result as JSON with {@code Idempotency-Key: <pipeline>/<stage>/<key_group>/<output_seq>},
 * in output order per key group. A failed POST (no answer, or not 2xx) is retried with back-off
 * until accepted; the cursor moves only after a 2xx. At-least-once: a hand-over or crash between a
 * 2xx and the cursor write sends that result again, with the same key.
 */
public final class WebhookDeliverer {

  private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);

  private final WebhookSettings settings;
  private final int keyGroups;
  private final ResultsLog resultsLog;
  private final WebhookOffsets offsets;
  private final HttpClient http;
  private final SharedKillSwitch killSwitch;
  private Materializer materializer;

  WebhookDeliverer(WebhookSettings settings, int keyGroups, ResultsLog resultsLog, WebhookOffsets offsets) {
    this.settings = settings;
    this.keyGroups = keyGroups;
    this.resultsLog = resultsLog;
    this.offsets = offsets;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    this.killSwitch = KillSwitches.shared("webhook-" + settings.pipeline());
  }

  /** Starts (or joins) the singleton sink of every pipeline with a webhook. */
  public static void startAll(ActorSystem<?> system, Map<String, PipelineDefinition> pipelines,
                       Map<String, WebhookSettings> webhooks, ResultsLog resultsLog, WebhookOffsets offsets) {
    webhooks.forEach((name, hook) -> {
      PipelineDefinition p = pipelines.get(name);
      PipelineDefinition stage = p.stageNamed(hook.stage());
      int keyGroups = stage != null ? stage.maxKeyGroups() : p.maxKeyGroups();
      ClusterSingleton.get(system).init(SingletonActor.of(
          behavior(() -> new WebhookDeliverer(hook, keyGroups, resultsLog, offsets)), "webhook-" + name));
      log.info("webhook sink of {}/{} -> {}", name, hook.stage(), hook.url());
    });
  }

  private static Behavior<Void> behavior(java.util.function.Supplier<WebhookDeliverer> create) {
    return Behaviors.setup(context -> {
      WebhookDeliverer deliverer = create.get();
      deliverer.run(Materializer.matFromSystem(context.getSystem()));
      return Behaviors.<Void>receive(Void.class)
          .onSignal(PostStop.class, signal -> {
            deliverer.stop();
            return Behaviors.same();
          })
          .build();
    });
  }

  /**
   * Loads the cursor and delivers until stopped, as streams (no blocking, no recursion that grows
   * with time). A failure (the results log or the cursor table unreachable) restarts from the stored
   * cursor after a back-off.
   */
  void run(Materializer materializer) {
    this.materializer = materializer;
    RestartSettings restart = RestartSettings.create(settings.pollInterval(), settings.maxBackoff(), 0.2);
    RestartSource.withBackoff(restart, () -> Source.completionStage(offsets.load(settings.pipeline(), settings.stage()))
            .flatMapConcat(loaded -> rounds(cursorOf(loaded))))
        .via(killSwitch.flow())
        .runWith(Sink.ignore(), materializer);
  }

  /** Stops delivering; a POST in flight may still land, but its cursor is not moved. */
  void stop() {
    killSwitch.abort(new CancellationException("webhook sink of " + settings.pipeline() + " stopped"));
  }

  private long[] cursorOf(Map<Integer, Long> loaded) {
    long[] cursor = new long[keyGroups];
    loaded.forEach((kg, seq) -> {
      if (kg < keyGroups) {
        cursor[kg] = seq;
      }
    });
    return cursor;
  }

  /** Round after round over every key group; a round that found nothing is followed by a pause. */
  private Source<Boolean, NotUsed> rounds(long[] cursor) {
    return Source.unfoldAsync(false, idle -> pause(idle ? settings.pollInterval().toMillis() : 0)
        .thenCompose(v -> round(cursor))
        .thenApply(found -> Optional.of(Pair.create(!found, found))));
  }

  /** One look at each key group, delivering what is new in order; true if anything was. */
  private CompletionStage<Boolean> round(long[] cursor) {
    return Source.range(0, keyGroups - 1)
        .mapAsync(1, kg -> resultsLog.after(settings.pipeline(), settings.stage(), kg, cursor[kg], settings.page()))
        .mapConcat(entries -> entries)
        .mapAsync(1, e -> deliver(e)
            .thenCompose(v -> offsets.save(settings.pipeline(), settings.stage(), e.keyGroup(), e.seq()))
            .thenApply(v -> {
              cursor[e.keyGroup()] = e.seq();
              return e;
            }))
        .via(killSwitch.flow())
        .runFold(false, (found, e) -> true, materializer);
  }

  /** POSTs one result until the receiver answers 2xx; fails only when the sink stops. */
  private CompletionStage<Void> deliver(ResultsLog.Entry e) {
    String key = idempotencyKey(settings, e);
    HttpRequest request = HttpRequest.newBuilder(settings.url())
        .timeout(settings.requestTimeout())
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body(settings, e)))
        .build();
    WebhookBackoff backoff = settings.backoff();
    return Source.<Integer, Integer>unfoldAsync(1, attempt -> http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
            .handle((response, failure) -> {
              if (failure == null && WebhookBackoff.accepted(response.statusCode())) {
                return CompletableFuture.completedFuture(Optional.<Pair<Integer, Integer>>empty());
              }
              var delay = backoff.delayAfter(attempt);
              if (attempt == 1 || attempt % 10 == 0) {
                log.warn("webhook {} did not accept {} (attempt {}): {}; retrying in {}", settings.url(), key, attempt,
                    failure != null ? failure.toString() : "status " + response.statusCode(), delay);
              }
              return pause(delay.toMillis()).thenApply(v -> Optional.of(Pair.create(attempt + 1, attempt)));
            })
            .thenCompose(next -> next))
        .via(killSwitch.flow())
        .runWith(Sink.ignore(), materializer)
        .thenApply(done -> null);
  }

  static String idempotencyKey(WebhookSettings settings, ResultsLog.Entry e) {
    return settings.pipeline() + "/" + settings.stage() + "/" + e.keyGroup() + "/" + e.seq();
  }

  /** The result as the stream sends it, plus pipeline and stage. */
  static String body(WebhookSettings settings, ResultsLog.Entry e) {
    ObjectNode node = JsonViews.MAPPER.createObjectNode();
    node.put("pipeline", settings.pipeline()).put("stage", settings.stage());
    node.setAll(JsonViews.result(e.result()));
    node.put("key_group", e.keyGroup()).put("output_seq", e.seq());
    try {
      return JsonViews.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private static CompletableFuture<Void> pause(long millis) {
    if (millis <= 0) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
  }
}
