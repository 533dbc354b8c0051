package io.keyflow.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyflow.persistence.ResultsLog;
import io.keyflow.persistence.WebhookOffsets;
import io.keyflow.pipeline.PipelineDefinition;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.SingletonActor;
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
final class WebhookDeliverer {

  private static final Logger log = LoggerFactory.getLogger(WebhookDeliverer.class);

  private final WebhookSettings settings;
  private final int keyGroups;
  private final ResultsLog resultsLog;
  private final WebhookOffsets offsets;
  private final HttpClient http;
  private volatile boolean stopped;

  WebhookDeliverer(WebhookSettings settings, int keyGroups, ResultsLog resultsLog, WebhookOffsets offsets) {
    this.settings = settings;
    this.keyGroups = keyGroups;
    this.resultsLog = resultsLog;
    this.offsets = offsets;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
  }

  /** Starts (or joins) the singleton sink of every pipeline with a webhook. */
  static void startAll(ActorSystem<?> system, Map<String, PipelineDefinition> pipelines,
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
      deliverer.run();
      return Behaviors.<Void>receive(Void.class)
          .onSignal(PostStop.class, signal -> {
            deliverer.stopped = true;
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Loads the cursor and delivers until stopped; never blocks the caller. */
  void run() {
    offsets.load(settings.pipeline(), settings.stage())
        .thenCompose(loaded -> {
          long[] cursor = new long[keyGroups];
          loaded.forEach((kg, seq) -> {
            if (kg < keyGroups) {
              cursor[kg] = seq;
            }
          });
          return loop(cursor);
        })
        .whenComplete((v, failure) -> {
          if (stopped) {
            return;
          }
          log.warn("webhook sink of {} failed, restarting in {}: {}", settings.pipeline(), settings.pollInterval(),
              failure == null ? "ended" : failure.toString());
          pause(settings.pollInterval().toMillis()).thenRun(this::run);
        });
  }

  private CompletionStage<Void> loop(long[] cursor) {
    if (stopped) {
      return CompletableFuture.failedFuture(new CancellationException("stopped"));
    }
    return round(cursor, 0, false).thenCompose(foundAny -> foundAny
        ? loop(cursor)
        : pause(settings.pollInterval().toMillis()).thenCompose(v -> loop(cursor)));
  }

  /** Key groups from {@code kg} on, one after the other; true if any had new results. */
  private CompletionStage<Boolean> round(long[] cursor, int kg, boolean foundAny) {
    if (kg >= keyGroups) {
      return CompletableFuture.completedFuture(foundAny);
    }
    return resultsLog.after(settings.pipeline(), settings.stage(), kg, cursor[kg], settings.page())
        .thenCompose(entries -> deliverAll(cursor, entries, 0))
        .thenCompose(found -> round(cursor, kg + 1, foundAny || found));
  }

  private CompletionStage<Boolean> deliverAll(long[] cursor, List<ResultsLog.Entry> entries, int i) {
    if (i >= entries.size()) {
      return CompletableFuture.completedFuture(!entries.isEmpty());
    }
    ResultsLog.Entry e = entries.get(i);
    return deliver(e, 1)
        .thenCompose(v -> offsets.save(settings.pipeline(), settings.stage(), e.keyGroup(), e.seq()))
        .thenCompose(v -> {
          cursor[e.keyGroup()] = e.seq();
          return deliverAll(cursor, entries, i + 1);
        });
  }

  /** POSTs one result until the receiver answers 2xx (or the sink stops). */
  private CompletionStage<Void> deliver(ResultsLog.Entry e, int attempt) {
    if (stopped) {
      return CompletableFuture.failedFuture(new CancellationException("stopped"));
    }
    String key = idempotencyKey(settings, e);
    HttpRequest request = HttpRequest.newBuilder(settings.url())
        .timeout(settings.requestTimeout())
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString(body(settings, e)))
        .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((response, failure) -> {
          if (failure == null && WebhookBackoff.accepted(response.statusCode())) {
            return CompletableFuture.<Void>completedFuture(null);
          }
          var delay = settings.backoff().delayAfter(attempt);
          String why = failure != null ? failure.toString() : "status " + response.statusCode();
          if (attempt == 1 || attempt % 10 == 0) {
            log.warn("webhook {} refused {} (attempt {}): {}; retrying in {}", settings.url(), key, attempt, why, delay);
          }
          return pause(delay.toMillis()).thenCompose(v -> deliver(e, attempt + 1));
        })
        .thenCompose(next -> next);
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
    return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
  }
}
