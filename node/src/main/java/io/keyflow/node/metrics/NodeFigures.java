package io.keyflow.node.metrics;

import io.keyflow.persistence.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * One node's figures over one interval (the operator's view, docs in README "Dashboard"): what it
 * acknowledged, how it answered, how fast, and what it holds. Rates are per second over the
 * interval; latencies are of the requests answered in it ({@code NaN} when there were none).
 *
 * @param atMillis             end of the interval (wall clock of the node that sampled it)
 * @param ackedPerSecond       events acknowledged by this node's answers (duplicates excluded)
 * @param answersPerSecond     HTTP answers of ingest requests, by status code
 * @param rejectedPerSecond    ingest requests answered 503 (admission bounds, or not acknowledged in time)
 * @param ackP50Ms             median ack latency of the interval's 2xx ingest answers
 * @param ackP99Ms             their 99th percentile (interpolated within the histogram's buckets)
 * @param journalWriteMeanMs   mean time from persisting a journal event to its confirmation
 * @param keyGroups            key groups running on the node, every pipeline and stage together
 * @param recoveries           key groups that (re)started on the node in the interval after a recovery
 * @param slowestRecoverySeconds the longest of those recoveries (NaN when there was none)
 * @param movesStarted         key groups this node's shard coordinators sent to another node in the
 *                             interval (rebalancing after a join or leave; only the coordinators' node counts)
 * @param stages               per pipeline stage: event time and processing lag on this node
 */
public record NodeFigures(long atMillis, double ackedPerSecond, Map<String, Double> answersPerSecond,
    double rejectedPerSecond, double ackP50Ms, double ackP99Ms, double journalWriteMeanMs, int keyGroups,
    int recoveries, double slowestRecoverySeconds, int movesStarted, List<StageFigures> stages) implements CborSerializable {

  public NodeFigures {
    // Sorted by status, so that the answer lists them in the same order every time.
    answersPerSecond = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(answersPerSecond));
    stages = List.copyOf(stages);
  }
}
