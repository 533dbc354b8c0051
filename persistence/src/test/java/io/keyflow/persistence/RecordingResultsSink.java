package io.keyflow.persistence;

import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory results sink for entity unit tests; can fail the next N writes. */
public final class RecordingResultsSink implements ResultsSink {

  /** (key, window start) → latest result, as the results table keeps it. */
  public final Map<String, WindowResult> latest = new ConcurrentSkipListMap<>();
  public final AtomicInteger writes = new AtomicInteger();
  public final AtomicInteger failNext = new AtomicInteger();

  @Override
  public CompletionStage<Void> write(String pipeline, String stage, int keyGroup, SortedMap<Long, Output> outputs) {
    writes.incrementAndGet();
    if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return CompletableFuture.failedFuture(new IllegalStateException("injected results-store failure"));
    }
    outputs.values().stream().filter(o -> !o.holdsLateRecord()).map(Output::result)
        .forEach(r -> latest.put(r.key() + "@" + r.windowStart(), r));
    return CompletableFuture.completedFuture(null);
  }
}
