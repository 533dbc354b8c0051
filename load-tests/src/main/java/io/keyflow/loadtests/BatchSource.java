package io.keyflow.loadtests;

/**
 * What {@link Loader} sends: NDJSON request bodies, batch {@code index} a pure function of the index
 * (workers build their bodies concurrently), every batch exactly {@link #batchSize()} events.
 */
public interface BatchSource {

  int batchSize();

  /** The body of batch {@code index} (0-based): {@code batchSize()} lines, each ending in a newline. */
  String batch(long index);

  /** The source the options ask for: {@code clicks} or {@code nexmark}. */
  static BatchSource from(LoadOptions o) {
    return o.workload().equals(LoadOptions.NEXMARK)
        ? NexmarkWorkload.from(o) : EventGenerator.from(o);
  }
}
