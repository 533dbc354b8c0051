package io.keyflow.loadtests;

import java.util.SplittableRandom;

/**
 * Builds NDJSON request bodies of click-like events. Batch {@code n} is a pure function of the
 * seed and {@code n}: workers generate their bodies concurrently without sharing a random source,
 * and the same seed always yields the same stream of batches, whichever worker sends which one.
 *
 * <p>Event {@code i} of the run (counting across batches) has event time
 * {@code startTs + i * tsStepMs - d} with {@code d} uniform in {@code [0, disorderMs]}: time moves
 * forward steadily, but never more than {@code disorderMs} out of order, so a pipeline whose
 * max-out-of-orderness is larger drops nothing as late.
 */
public final class EventGenerator implements BatchSource {

  /** The numeric field every event carries (the demo pipeline sums it). */
  public static final String AMOUNT_FIELD = "amount";

  private final long seed;
  private final ZipfKeys keys;
  private final int batchSize;
  private final long startTs;
  private final long tsStepMs;
  private final long disorderMs;
  // Field names are validated to need no JSON escaping, so they can be spliced in as is.
  private final String keyPrefix;
  private final String timePrefix;

  public EventGenerator(long seed, int keys, int batchSize, String keyField, String timeField,
      long startTs, long tsStepMs, long disorderMs) {
    this(seed, keys, 0, batchSize, keyField, timeField, startTs, tsStepMs, disorderMs);
  }

  /** With key skew: {@code zipf} is the Zipf exponent over the keys (0 = uniform, u0 the hottest). */
  public EventGenerator(long seed, int keys, double zipf, int batchSize, String keyField, String timeField,
      long startTs, long tsStepMs, long disorderMs) {
    if (keys < 1 || batchSize < 1 || tsStepMs < 0 || disorderMs < 0) {
      throw new IllegalArgumentException("keys and batch size must be positive, step and disorder not negative");
    }
    if (!keyField.matches("[A-Za-z0-9._-]+") || !timeField.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("field names must be letters, digits, '.', '_' or '-'");
    }
    this.seed = seed;
    this.keys = new ZipfKeys(keys, zipf);
    this.batchSize = batchSize;
    this.startTs = startTs;
    this.tsStepMs = tsStepMs;
    this.disorderMs = disorderMs;
    this.keyPrefix = "{\"" + keyField + "\":\"u";
    this.timePrefix = "\",\"" + timeField + "\":";
  }

  public static EventGenerator from(LoadOptions o) {
    return new EventGenerator(o.seed(), o.keys(), o.zipf(), o.batch(), o.keyField(), o.timeField(),
        o.startTs(), o.tsStepMs(), o.disorderMs());
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  /** The body of batch {@code index} (0-based): {@code batchSize} lines, each ending in a newline. */
  @Override
  public String batch(long index) {
    SplittableRandom random = new SplittableRandom(mix(seed ^ mix(index + 0x9E3779B97F4A7C15L)));
    StringBuilder body = new StringBuilder(batchSize * 56);
    long first = index * batchSize;
    for (int j = 0; j < batchSize; j++) {
      long back = disorderMs == 0 ? 0 : random.nextLong(disorderMs + 1);
      long ts = startTs + (first + j) * tsStepMs - back;
      body.append(keyPrefix).append(keys.next(random))
          .append(timePrefix).append(ts)
          .append(",\"").append(AMOUNT_FIELD).append("\":").append(1 + random.nextInt(100))
          .append("}\n");
    }
    return body.toString();
  }

  /** The event time event {@code i} of the run would have without disorder. */
  public long nominalTs(long eventIndex) {
    return startTs + eventIndex * tsStepMs;
  }

  // Stafford's mix13: neighbouring batch indices must not give correlated random streams.
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
