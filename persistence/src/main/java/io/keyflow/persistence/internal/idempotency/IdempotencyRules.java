package io.keyflow.persistence.internal.idempotency;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.KeyClaimed;
import io.keyflow.persistence.Idempotency.ProducerSeqClaimed;
import io.keyflow.persistence.Idempotency.Ticket;
import io.keyflow.persistence.Idempotency.Verdict;
import io.keyflow.persistence.IdempotencyState.KeyTicket;
import io.keyflow.persistence.IdempotencyState;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.PartOutcome;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ProducerWindow;
import io.keyflow.persistence.SeqWindow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The pure idempotency rules of one key group (docs/idempotency.md): which claims get which ticket
 * and which records of which parts are new — decided in the command handler, at the time the event
 * will carry — and what a written {@link BatchApplied} does to the {@link IdempotencyState}.
 *
 * <p>Every expiry is by journaled time ({@link IdempotencyState#latestAppliedAt}): a replay on a
 * node with another clock rebuilds exactly the same windows. Two rules make forgetting safe: a home
 * group refuses a key or producer sequence it may have forgotten (TOO_OLD) instead of giving it a
 * new ticket, and a data group refuses a part first seen before its horizon (window + clock skew,
 * longer than the home's window, so a ticket the home still honours is never one a data group forgot).
 */
public final class IdempotencyRules {

  /** What a batch does, decided before the write. */
  public record Decision(List<PartOutcome> outcomes, List<Ticket> tickets, List<Part> fresh,
      List<KeyClaimed> keysClaimed, List<ProducerSeqClaimed> producerSeqsClaimed) {

    public boolean nothingToWrite() {
      return fresh.isEmpty() && keysClaimed.isEmpty() && producerSeqsClaimed.isEmpty();
    }
  }

  private final String homeSource;
  private final long window;
  private final long dataWindow;
  private final long keylessWindow;
  private final long producerRetention;
  private final long markEvery;

  public IdempotencyRules(int keyGroup, PersistenceSettings settings) {
    this.homeSource = homeSource(keyGroup);
    this.window = settings.idempotencyWindow().toMillis();
    this.dataWindow = window + settings.idempotencyClockSkew().toMillis();
    this.keylessWindow = settings.keylessResendWindow().toMillis();
    this.producerRetention = settings.producerRetention().toMillis();
    // One time mark per 1/20 of the window: a source forgets at most that much later than it could.
    this.markEvery = Math.max(1_000, window / 20);
  }

  /** The source name of the tickets a home key group gives. */
  static String homeSource(int keyGroup) {
    return "h/" + keyGroup;
  }

  private long retentionOf(String source) {
    return source.startsWith("n/") ? keylessWindow : dataWindow;
  }

  /** Decides {@code claims} and {@code parts} as of {@code now}, the time the batch's event will carry. */
  public Decision decide(KeyGroupState state, List<Part> parts, List<Claim> claims, long now) {
    IdempotencyState idem = state.idempotency();
    long at = Math.max(idem.latestAppliedAt, now);
    List<Ticket> tickets = new ArrayList<>(claims.size());
    List<KeyClaimed> keys = new ArrayList<>();
    List<ProducerSeqClaimed> producerSeqs = new ArrayList<>();
    long[] nextSeq = {idem.nextSeq};
    long firstSeen = Math.max(at, idem.lastFirstSeen);
    Map<String, KeyTicket> keysInBatch = new HashMap<>();
    Map<String, Long> epochsInBatch = new HashMap<>();
    Map<String, ProducerWindow.Ticketed> seqsInBatch = new HashMap<>();
    for (Claim claim : claims) {
      if (claim.key() != null) {
        KeyTicket known = keysInBatch.getOrDefault(claim.key(), idem.claims.get(claim.key()));
        Ticket ticket = keyVerdict(claim, known, at, nextSeq[0], firstSeen);
        if (ticket.verdict() == Verdict.NEW) {
          nextSeq[0]++;
          keysInBatch.put(claim.key(), new KeyTicket(claim.fingerprint(), ticket.seq(), firstSeen));
          keys.add(new KeyClaimed(claim.key(), claim.fingerprint(), ticket.seq(), firstSeen));
        }
        tickets.add(ticket);
      } else {
        Ticket ticket = producerVerdict(claim, idem.producers.get(claim.producerId()), epochsInBatch, seqsInBatch,
            at, nextSeq[0], firstSeen);
        if (ticket.verdict() == Verdict.NEW) {
          nextSeq[0]++;
          epochsInBatch.put(claim.producerId(), claim.producerEpoch());
          seqsInBatch.put(claim.producerId() + "@" + claim.producerEpoch() + "#" + claim.producerSeq(),
              new ProducerWindow.Ticketed(ticket.seq(), firstSeen));
          producerSeqs.add(new ProducerSeqClaimed(claim.producerId(), claim.producerEpoch(), claim.producerSeq(),
              ticket.seq(), firstSeen));
        }
        tickets.add(ticket);
      }
    }
    List<PartOutcome> outcomes = new ArrayList<>(parts.size());
    List<Part> fresh = new ArrayList<>();
    Map<String, SeqWindow> inBatch = new HashMap<>();
    Set<String> legacyInBatch = new HashSet<>();
    for (Part part : parts) {
      outcomes.add(part.source() == null
          ? legacyPart(state, part, legacyInBatch, fresh)
          : ticketedPart(state, part, at, inBatch, fresh));
    }
    return new Decision(outcomes, tickets, fresh, keys, producerSeqs);
  }

  private Ticket keyVerdict(Claim claim, KeyTicket known, long at, long nextSeq, long firstSeen) {
    if (known != null) {
      if (known.firstSeen() < at - window) {
        return new Ticket(Verdict.TOO_OLD, null, known.seq(), known.firstSeen());
      }
      return known.fingerprint().equals(claim.fingerprint())
          ? new Ticket(Verdict.SEEN, homeSource, known.seq(), known.firstSeen())
          : new Ticket(Verdict.DIFFERENT_BODY, null, known.seq(), known.firstSeen());
    }
    // The client says it first sent this key so long ago that this group may have forgotten it.
    if (claim.firstSentAt() > 0 && claim.firstSentAt() < at - window + (dataWindow - window)) {
      return new Ticket(Verdict.TOO_OLD, null, -1, claim.firstSentAt());
    }
    return new Ticket(Verdict.NEW, homeSource, nextSeq, firstSeen);
  }

  private Ticket producerVerdict(Claim claim, ProducerWindow producer, Map<String, Long> epochsInBatch,
      Map<String, ProducerWindow.Ticketed> seqsInBatch, long at, long nextSeq, long firstSeen) {
    String id = claim.producerId();
    long epoch = claim.producerEpoch();
    long seq = claim.producerSeq();
    ProducerWindow.Ticketed inBatch = seqsInBatch.get(id + "@" + epoch + "#" + seq);
    if (inBatch != null) {
      return new Ticket(Verdict.SEEN, homeSource, inBatch.seq(), inBatch.firstSeen());
    }
    boolean stored = producer != null && producer.lastActive >= at - producerRetention;
    Long current = epochsInBatch.containsKey(id) ? epochsInBatch.get(id) : stored ? Long.valueOf(producer.epoch) : null;
    if (current == null || epoch > current) {
      return seq == 0 ? new Ticket(Verdict.NEW, homeSource, nextSeq, firstSeen) : new Ticket(Verdict.OUT_OF_SEQUENCE, null, -1, 0);
    }
    if (epoch < current) {
      return new Ticket(Verdict.FENCED, null, -1, 0);
    }
    if (stored && producer.epoch == epoch) {
      ProducerWindow.Ticketed known = producer.seqs.get(seq);
      if (known != null) {
        return known.firstSeen() < at - window
            ? new Ticket(Verdict.TOO_OLD, null, known.seq(), known.firstSeen())
            : new Ticket(Verdict.SEEN, homeSource, known.seq(), known.firstSeen());
      }
      if (seq < producer.floor) {
        return new Ticket(Verdict.TOO_OLD, null, -1, 0);
      }
    }
    return new Ticket(Verdict.NEW, homeSource, nextSeq, firstSeen);
  }

  private PartOutcome ticketedPart(KeyGroupState state, Part part, long at, Map<String, SeqWindow> inBatch,
      List<Part> fresh) {
    int size = part.records().size();
    if (part.firstSeen() < at - retentionOf(part.source())) {
      return new PartOutcome(0, 0, true);
    }
    // Applied under the scheme before tickets (<request>#<chunk> ids): its share here counts as applied.
    if (part.id() != null && state.appliedIds().containsKey(part.id() + "#0")) {
      return new PartOutcome(0, size, false);
    }
    SeqWindow applied = state.idempotency().applied.get(part.source());
    SeqWindow batch = inBatch.computeIfAbsent(part.source(), s -> new SeqWindow());
    List<Integer> missing = applied == null
        ? List.of(part.from(), part.from() + size) : applied.missing(part.seq(), part.from(), part.from() + size);
    int appliedNow = 0;
    for (int i = 0; i < missing.size(); i += 2) {
      List<Integer> reallyMissing = batch.missing(part.seq(), missing.get(i), missing.get(i + 1));
      for (int j = 0; j < reallyMissing.size(); j += 2) {
        int from = reallyMissing.get(j);
        int to = reallyMissing.get(j + 1);
        fresh.add(new Part(part.id(), List.copyOf(part.records().subList(from - part.from(), to - part.from())),
            part.source(), part.seq(), part.firstSeen(), from, part.total()));
        batch.record(part.seq(), from, to, Integer.MAX_VALUE, part.firstSeen(), markEvery);
        appliedNow += to - from;
      }
    }
    return new PartOutcome(appliedNow, size - appliedNow, false);
  }

  /** A part from a node of an earlier version: deduplicated by its {@code <request>#<chunk>} id. */
  private static PartOutcome legacyPart(KeyGroupState state, Part part, Set<String> inBatch, List<Part> fresh) {
    int size = part.records().size();
    boolean seen = part.id() != null && (state.appliedIds().containsKey(part.id()) || !inBatch.add(part.id()));
    if (seen) {
      return new PartOutcome(0, size, false);
    }
    if (size > 0) {
      fresh.add(part);
    }
    return new PartOutcome(size, 0, false);
  }

  /** What a written batch does to the windows (the event handler's share; pure in the event). */
  public void applied(KeyGroupState state, BatchApplied event) {
    IdempotencyState idem = state.idempotency();
    idem.latestAppliedAt = Math.max(idem.latestAppliedAt, event.appliedAt());
    long at = idem.latestAppliedAt;
    for (KeyClaimed claimed : event.keysClaimed()) {
      idem.claims.putIfAbsent(claimed.key(), new KeyTicket(claimed.fingerprint(), claimed.seq(), claimed.firstSeen()));
      ticketed(idem, claimed.seq(), claimed.firstSeen());
    }
    for (ProducerSeqClaimed claimed : event.producerSeqsClaimed()) {
      ProducerWindow producer = idem.producers.get(claimed.producerId());
      if (producer == null || claimed.epoch() > producer.epoch) {
        producer = new ProducerWindow();
        producer.epoch = claimed.epoch();
        idem.producers.put(claimed.producerId(), producer);
      }
      producer.seqs.putIfAbsent(claimed.producerSeq(), new ProducerWindow.Ticketed(claimed.seq(), claimed.firstSeen()));
      producer.lastActive = Math.max(producer.lastActive, event.appliedAt());
      ticketed(idem, claimed.seq(), claimed.firstSeen());
    }
    for (Part part : event.parts()) {
      if (part.source() == null) {
        if (part.id() != null) {
          state.appliedIds().put(part.id(), event.appliedAt());
        }
      } else {
        idem.applied.computeIfAbsent(part.source(), s -> new SeqWindow()).record(part.seq(), part.from(),
            part.from() + part.records().size(), part.total(), part.firstSeen(), markEvery);
      }
    }
    forget(state, at);
  }

  private static void ticketed(IdempotencyState idem, long seq, long firstSeen) {
    idem.nextSeq = Math.max(idem.nextSeq, seq + 1);
    idem.lastFirstSeen = Math.max(idem.lastFirstSeen, firstSeen);
  }

  /**
   * Forgets what the windows hold from before their horizons, as of the journaled time {@code at}.
   * Claims (oldest first) every event; the producer and source windows only once per mark interval
   * of journaled time: that sweep visits every source, and forgetting them later changes no answer
   * (a part first seen before its horizon, and a producer sequence first seen before the window,
   * are refused as too old by their time before any window is consulted), only memory, by at most
   * one mark interval more.
   */
  private void forget(KeyGroupState state, long at) {
    IdempotencyState idem = state.idempotency();
    state.forgetIdsBefore(at - window);
    var claims = idem.claims.values().iterator();
    while (claims.hasNext() && claims.next().firstSeen() < at - window) {
      claims.remove();
    }
    if (at < idem.nextSweepAt) {
      return;
    }
    idem.nextSweepAt = at + markEvery;
    idem.producers.values().removeIf(producer -> {
      producer.forgetBefore(at - window);
      return producer.lastActive < at - producerRetention;
    });
    idem.applied.entrySet().removeIf(source -> source.getValue().forgetBefore(at - retentionOf(source.getKey())));
  }
}
