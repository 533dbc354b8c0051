package io.keyflow.loadtests;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.nexmark.NexmarkConfig;
import io.keyflow.loadtests.nexmark.NexmarkEvent;
import io.keyflow.loadtests.nexmark.NexmarkGenerator;
import io.keyflow.loadtests.nexmark.NexmarkQuery;

/**
 * The loader's {@code nexmark} workload: batch {@code i} holds the query's input events
 * {@code i × batch .. (i + 1) × batch − 1} (persons, auctions and bids as the query reads them, in
 * event-number order) as NDJSON, the same for the same seed whichever worker sends it.
 *
 * <p>It lives with the loader, not in {@code nexmark}: the Nexmark model (generator, events, queries)
 * knows nothing of the loader, and the loader picks between its two workloads ({@link EventGenerator}
 * for clicks, this one) without a package cycle.
 */
public final class NexmarkWorkload implements BatchSource {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final NexmarkGenerator generator;
  private final NexmarkQuery query;
  private final int batchSize;

  public NexmarkWorkload(NexmarkGenerator generator, NexmarkQuery query, int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive");
    }
    this.generator = generator;
    this.query = query;
    this.batchSize = batchSize;
  }

  /** Seed, start time ({@code --start-ts}), rate ({@code --event-rate}) and jitter ({@code --disorder-ms}). */
  public static NexmarkWorkload from(LoadOptions o) {
    NexmarkConfig config = new NexmarkConfig(o.seed(), o.startTs(), o.eventRate(), o.disorderMs());
    return new NexmarkWorkload(new NexmarkGenerator(config), NexmarkQuery.parse(o.query()), o.batch());
  }

  @Override
  public int batchSize() {
    return batchSize;
  }

  @Override
  public String batch(long index) {
    StringBuilder body = new StringBuilder(batchSize * 120);
    long first = index * batchSize;
    for (long m = first; m < first + batchSize; m++) {
      body.append(json(generator.event(query.eventNumber(m)))).append('\n');
    }
    return body.toString();
  }

  static String json(NexmarkEvent e) {
    try {
      return MAPPER.writeValueAsString(e.fields());
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("event " + e.number() + " is not JSON-writable", ex);
    }
  }
}
