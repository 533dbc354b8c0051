package io.keyflow.sharding;

import io.keyflow.persistence.Idempotency.Verdict;

/**
 * A request refused by its idempotency bookkeeping, with nothing of it applied by the refusing key
 * group: {@link Verdict#DIFFERENT_BODY} (HTTP 422) or a request too old, fenced or out of sequence
 * (HTTP 409). A part refused as too old by a data key group may follow parts other key groups applied.
 */
public final class IngestRefused extends RuntimeException {

  private final Verdict verdict;

  public IngestRefused(Verdict verdict, String message) {
    super(message, null, false, false);
    this.verdict = verdict;
  }

  public Verdict verdict() {
    return verdict;
  }

  /** 422 for a key reused with another body, 409 for everything else refused. */
  public int httpStatus() {
    return verdict == Verdict.DIFFERENT_BODY ? 422 : 409;
  }
}
