package io.keyflow.persistence;

import io.keyflow.pipeline.engine.Output;
import java.util.SortedMap;
import java.util.concurrent.CompletionStage;

/**
 * Where fired window results go after their journal event is written. Implementations must be
 * idempotent and must let a result with a higher output sequence number win over a lower one for
 * the same window, whatever order writes arrive in: the entity re-delivers after a crash.
 */
public interface ResultsSink {

  /**
   * Stores {@code outputs} (window results and late records, by output sequence number) of one key
   * group of one stage.
   * Completes when every result is durably stored.
   */
  CompletionStage<Void> write(String pipeline, String stage, int keyGroup, SortedMap<Long, Output> outputs);
}
