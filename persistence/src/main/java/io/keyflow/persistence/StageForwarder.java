package io.keyflow.persistence;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Delivers a stage's results to the key groups of the next stage. A call completes when every target
 * key group has the records in its journal; a failed or timed-out call is retried with the same
 * records, and each target drops what it already applied (its high-water mark per source).
 */
public interface StageForwarder {

  /**
   * Sends {@code byTarget} (target key group → records in output order) from {@code source}
   * ({@code <stage>/<keyGroup>}); an empty map completes at once.
   */
  CompletionStage<Void> forward(String source, Map<Integer, List<KeyGroupEntity.Forwarded>> byTarget);
}
