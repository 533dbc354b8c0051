package io.keyflow.persistence;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.LinkedHashMap;
import java.util.TreeMap;

/**
 * A key group's idempotency bookkeeping, in its two roles (design and figures: docs/idempotency.md).
 *
 * <p>As a <b>home</b> group (of the Idempotency-Keys and Producer-Ids that hash to it) it gives every
 * new request a ticket: its next sequence number {@code nextSeq} with a first-seen time that never
 * decreases ({@code lastFirstSeen}), journaled in the group's ordinary batch event. {@code claims}
 * (key → body fingerprint and ticket, oldest first) and {@code producers} decide whether a request is
 * new, a retry, or refused; the journal's single writer per key group decides which of two
 * concurrent requests was first.
 *
 * <p>As a <b>data</b> group it applies the parts of requests, remembering per source
 * ({@code h/<home key group>} or {@code n/<node>} for keyless requests) which tickets' records it
 * applied ({@code applied}).
 *
 * <p>Everything expires by journaled time: {@code latestAppliedAt} is the latest {@code appliedAt}
 * of the events applied so far (never the replaying node's clock), and never decreases.
 *
 * <p>Size at 1,000 requests/s with a 15 min window (900,000 requests, 128 key groups; details in
 * docs/idempotency.md): as a home group ~7,000 claims, ~1.6 MB heap and ~0.8 MB of snapshot with
 * Idempotency-Keys (~0.6 MB / ~0.25 MB with producer sequences); as a data group one bitmap plus at
 * most 21 time marks per home group, ~0.45 MB heap and ~0.2 MB of snapshot, whatever the number of key
 * groups each request touches. About 260 MB of heap and 125 MB per snapshot generation per pipeline.
 *
 * <p>Mutable (changed in place by the event handler only); serialized by Jackson (public fields).
 * It lives beside {@link KeyGroupState}, not with the rules that change it
 * ({@code internal.idempotency.IdempotencyRules}), because the state is a field of the stored state: the
 * state must not depend on the internals that depend on it. Only ever a field, so no class name of it
 * (or of {@link ProducerWindow}, {@link SeqWindow}) is stored (KeyGroupStateStoredFormatTest).
 */
public final class IdempotencyState {
  public long latestAppliedAt = Long.MIN_VALUE;
  public long nextSeq;
  public long lastFirstSeen = Long.MIN_VALUE;
  public LinkedHashMap<String, KeyTicket> claims = new LinkedHashMap<>();
  public TreeMap<String, ProducerWindow> producers = new TreeMap<>();
  public TreeMap<String, SeqWindow> applied = new TreeMap<>();
  /** Journaled time of the next sweep of the producer and source windows (not kept: a recovery sweeps at once). */
  @JsonIgnore
  public long nextSweepAt = Long.MIN_VALUE;

  public IdempotencyState() {}

  /** An Idempotency-Key's first body (fingerprint) and the ticket it got. */
  public record KeyTicket(String fingerprint, long seq, long firstSeen) implements CborSerializable {}
}
