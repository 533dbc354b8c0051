package io.keyflow.node.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyflow.node.json.JsonViews;
import io.keyflow.persistence.results.ResultsLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live results of a stage as server-sent events: tails the results log of each key group
 * (a query per key group per round, {@code output_seq > cursor}), one event per logged firing, in
 * output sequence order within each key group. A round that found a full page starts the next one
 * at once (catching up); otherwise the next round waits the poll interval. Each round holds at most
 * one page per key group, and the stream is pulled by the HTTP connection: memory stays bounded.
 */
public final class ResultsStream {

  private static final Logger log = LoggerFactory.getLogger(ResultsStream.class);

  /** The key groups a stream follows and how its event ids are written. */
  public record Scope(String pipeline, String stage, int keyGroups, Integer onlyKeyGroup) {
    List<Integer> followed() {
      if (onlyKeyGroup != null) {
        return List.of(onlyKeyGroup);
      }
      List<Integer> all = new ArrayList<>(keyGroups);
      for (int kg = 0; kg < keyGroups; kg++) {
        all.add(kg);
      }
      return all;
    }

    /** With one key group the event id is exactly the output sequence number; else the whole cursor. */
    String id(StreamCursor cursor, int keyGroup) {
      return onlyKeyGroup != null ? Long.toString(cursor.after(keyGroup)) : cursor.encode();
    }
  }

  private record Round(StreamCursor cursor, boolean idle) {}

  private record Polled(StreamCursor cursor, boolean fullPage, List<ServerSentEvent> events) {}

  private final ResultsLog resultsLog;
  private final ResultsStreamSettings settings;

  public ResultsStream(ResultsLog resultsLog, ResultsStreamSettings settings) {
    this.resultsLog = resultsLog;
    this.settings = settings;
  }

  /** Every firing after {@code cursor}, then live ones as they are logged; heartbeats while quiet. */
  public Source<ServerSentEvent, NotUsed> events(Scope scope, StreamCursor cursor) {
    List<Integer> followed = scope.followed();
    return Source.<Round, List<ServerSentEvent>>unfoldAsync(new Round(cursor, false), round -> next(scope, followed, round))
        .mapConcat(events -> events)
        .keepAlive(settings.heartbeat(), ServerSentEvent::heartbeat);
  }

  /** One round: wait if the last found nothing new, read, and carry the cursor on (kept on failure). */
  private CompletionStage<Optional<Pair<Round, List<ServerSentEvent>>>> next(
      Scope scope, List<Integer> followed, Round round) {
    return pause(round.idle())
        .thenCompose(v -> poll(scope, followed, round.cursor()))
        .handle((polled, failure) -> {
          if (failure != null) {
            log.warn("results stream of {}/{}: reading the results log failed, retrying: {}",
                scope.pipeline(), scope.stage(), failure.toString());
            return Optional.of(Pair.create(new Round(round.cursor(), true), List.<ServerSentEvent>of()));
          }
          return Optional.of(Pair.create(new Round(polled.cursor(), !polled.fullPage()), polled.events()));
        });
  }

  private CompletionStage<Void> pause(boolean idle) {
    if (!idle) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.runAsync(() -> { },
        CompletableFuture.delayedExecutor(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS));
  }

  private CompletionStage<Polled> poll(Scope scope, List<Integer> followed, StreamCursor cursor) {
    List<CompletableFuture<List<ResultsLog.Entry>>> reads = new ArrayList<>(followed.size());
    for (int kg : followed) {
      reads.add(resultsLog.after(scope.pipeline(), scope.stage(), kg, cursor.after(kg), settings.page())
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture<?>[]::new)).thenApply(v -> {
      StreamCursor at = cursor;
      boolean full = false;
      List<ServerSentEvent> events = new ArrayList<>();
      for (var read : reads) {
        List<ResultsLog.Entry> entries = read.join();
        full |= entries.size() >= settings.page();
        for (ResultsLog.Entry e : entries) {
          at = at.advance(e.keyGroup(), e.seq());
          events.add(ServerSentEvent.create(data(e), "result", scope.id(at, e.keyGroup())));
        }
      }
      return new Polled(at, full, events);
    });
  }

  private static String data(ResultsLog.Entry e) {
    ObjectNode node = JsonViews.result(e.result());
    node.put("key_group", e.keyGroup());
    node.put("output_seq", e.seq());
    try {
      return JsonViews.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Settings of {@code keyflow.results.stream}. */
  public record ResultsStreamSettings(Duration pollInterval, int page, Duration heartbeat) {
    public static ResultsStreamSettings create(com.typesafe.config.Config config) {
      com.typesafe.config.Config c = config.getConfig("keyflow.results.stream");
      return new ResultsStreamSettings(c.getDuration("poll-interval"), c.getInt("page"), c.getDuration("heartbeat"));
    }
  }
}
