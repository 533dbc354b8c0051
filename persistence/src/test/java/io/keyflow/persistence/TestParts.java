package io.keyflow.persistence;

import io.keyflow.pipeline.Record;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Parts as the ingest router makes them, for tests that only care about one key group's share. */
public final class TestParts {

  public static final Duration WINDOW = Duration.ofMinutes(15);
  public static final Duration SKEW = Duration.ofMinutes(1);
  public static final Duration KEYLESS = Duration.ofMinutes(1);
  public static final Duration PRODUCERS = Duration.ofDays(7);

  private static final AtomicLong keyless = new AtomicLong();

  private TestParts() {}

  /**
   * The whole share of request {@code request} (its ticket's sequence number derived from the name,
   * first seen now), or of a keyless request when {@code request} is null (a new one every call).
   */
  public static KeyGroupEntity.Part ticketed(String request, List<Record> records) {
    if (request == null) {
      return new KeyGroupEntity.Part(null, records, "n/test", keyless.incrementAndGet(), System.currentTimeMillis(),
          0, records.size());
    }
    return new KeyGroupEntity.Part(request, records, "h/0", request.hashCode() & 0xffffL, System.currentTimeMillis(),
        0, records.size());
  }
}
