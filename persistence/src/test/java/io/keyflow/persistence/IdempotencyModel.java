package io.keyflow.persistence;

import io.keyflow.pipeline.runner.Operators;
import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.Ticket;
import io.keyflow.persistence.KeyGroupEntity.BatchAccepted;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.internal.KeyGroupTransitions;
import io.keyflow.persistence.internal.idempotency.IdempotencyRules;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Key groups of one pipeline as their pure transitions plus a journal each, and nodes that route
 * requests to them the way the ingest router does (ticket at the home group, then parts chunked by
 * the node's own max-records-per-event). Everything is called in one thread: the order of calls is
 * the order the key groups' single writers would see the commands in.
 */
public final class IdempotencyModel {

  public static final PersistenceSettings SETTINGS = new PersistenceSettings(1000, 2, Duration.ofMinutes(5),
      Duration.ofMillis(50), 100, Duration.ofMillis(10), Duration.ofMillis(100),
      TestParts.WINDOW, TestParts.SKEW, TestParts.KEYLESS, TestParts.PRODUCERS);

  public final PipelineDefinition definition = new PipelineDefinition("clicks", "main", "user", "ts", 0, 0, 8,
      WindowSpec.tumbling(Duration.ofSeconds(10)), List.of(Aggregation.count("n")));
  public final List<List<BatchApplied>> journals = new ArrayList<>();
  public final KeyGroupState[] states = new KeyGroupState[definition.maxKeyGroups()];
  private final KeyGroupTransitions[] groups = new KeyGroupTransitions[definition.maxKeyGroups()];

  public IdempotencyModel() {
    for (int kg = 0; kg < states.length; kg++) {
      groups[kg] = transitions(kg);
      states[kg] = KeyGroupState.empty();
      journals.add(new ArrayList<>());
    }
  }

  private KeyGroupTransitions transitions(int kg) {
    return new KeyGroupTransitions(Operators.create(definition, kg), kg, SETTINGS, false);
  }

  /** One ProcessBatch at key group {@code kg}, decided and journaled at the writer's time {@code now}. */
  public BatchAccepted batch(int kg, List<Part> parts, List<Claim> claims, long now) {
    IdempotencyRules.Decision decision = groups[kg].decide(states[kg], parts, claims, now);
    if (!decision.nothingToWrite()) {
      BatchApplied event = new BatchApplied(decision.fresh(), 0, now, 0, decision.keysClaimed(), decision.producerSeqsClaimed());
      journals.get(kg).add(event);
      states[kg] = groups[kg].batchApplied(states[kg], event);
    }
    return new BatchAccepted(kg, decision.outcomes(), decision.tickets());
  }

  /** Key group {@code kg} recovers from its journal (on a node whose clock plays no part in it). */
  public void replay(int kg) {
    groups[kg] = transitions(kg);
    KeyGroupState state = groups[kg].emptyState();
    for (BatchApplied event : journals.get(kg)) {
      state = groups[kg].batchApplied(state, event);
    }
    states[kg] = state;
  }

  public long recordsApplied() {
    long n = 0;
    for (KeyGroupState s : states) {
      n += s.stage().recordsApplied;
    }
    return n;
  }

  public static Record click(String user, long ts) {
    return new Record(user, ts, Map.of("user", user));
  }

  /** What one request did: records applied and duplicates, or the verdict that refused it. */
  public record Outcome(int accepted, int duplicates, Idempotency.Verdict refused, boolean tooOldPart) {}

  /** A node: its clock offset and chunk size; {@code reachable} limits the key groups its parts reach. */
  public final class Node {
    final long clockOffset;
    final int maxRecordsPerEvent;
    private final String keyless = "n/" + UUID.randomUUID();
    private long keylessSeq;

    public Node(long clockOffset, int maxRecordsPerEvent) {
      this.clockOffset = clockOffset;
      this.maxRecordsPerEvent = maxRecordsPerEvent;
    }

    public Ticket claim(Claim claim, long now) {
      int home = definition.keyGroupOf(claim.homeKey());
      return batch(home, List.of(), List.of(claim), now + clockOffset).tickets().get(0);
    }

    public Outcome send(Claim claim, String requestId, List<Record> records, long now) {
      return send(claim, requestId, records, now, null);
    }

    public Outcome send(Claim claim, String requestId, List<Record> records, long now, Set<Integer> reachable) {
      Ticket ticket = claim == null
          ? new Ticket(Idempotency.Verdict.NEW, keyless, keylessSeq++, now + clockOffset)
          : claim(claim, now);
      if (!ticket.verdict().proceeds()) {
        return new Outcome(0, 0, ticket.verdict(), false);
      }
      Map<Integer, List<Record>> byGroup = new TreeMap<>();
      for (Record r : records) {
        byGroup.computeIfAbsent(definition.keyGroupOf(r.key()), k -> new ArrayList<>()).add(r);
      }
      int accepted = 0;
      int duplicates = 0;
      boolean tooOld = false;
      for (var group : byGroup.entrySet()) {
        if (reachable != null && !reachable.contains(group.getKey())) {
          continue;
        }
        List<Record> share = group.getValue();
        for (int from = 0; from < share.size(); from += maxRecordsPerEvent) {
          var chunk = share.subList(from, Math.min(share.size(), from + maxRecordsPerEvent));
          var outcome = batch(group.getKey(), List.of(new Part(requestId, List.copyOf(chunk), ticket.source(), ticket.seq(),
              ticket.firstSeen(), from, share.size())), List.of(), now + clockOffset).parts().get(0);
          accepted += outcome.applied();
          duplicates += outcome.duplicates();
          tooOld |= outcome.tooOld();
        }
      }
      return new Outcome(accepted, duplicates, null, tooOld);
    }
  }
}
