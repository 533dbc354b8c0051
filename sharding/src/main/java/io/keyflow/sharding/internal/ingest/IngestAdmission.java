package io.keyflow.sharding.internal.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the ingest work in flight on one node, in bytes of request bodies and in events, so the
 * heap stays bounded at any overload: past either bound a request is refused at once (the HTTP
 * layer answers 503 with Retry-After) instead of being buffered. A request reserves its bytes before
 * its body is read and its events once parsed, and releases both when it is answered.
 */
public final class IngestAdmission {

  private final long maxBytes;
  private final long maxEvents;
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong events = new AtomicLong();

  public IngestAdmission(long maxBytes, long maxEvents) {
    this.maxBytes = maxBytes;
    this.maxEvents = maxEvents;
  }

  /** Reserves {@code n} bytes; false (and nothing reserved) when that would pass the bound. */
  public boolean tryReserveBytes(long n) {
    return tryReserve(bytes, n, maxBytes);
  }

  public void releaseBytes(long n) {
    bytes.addAndGet(-n);
  }

  /** Reserves {@code n} events; false (and nothing reserved) when that would pass the bound. */
  public boolean tryReserveEvents(long n) {
    return tryReserve(events, n, maxEvents);
  }

  public void releaseEvents(long n) {
    events.addAndGet(-n);
  }

  public long maxBytes() {
    return maxBytes;
  }

  public long maxEvents() {
    return maxEvents;
  }

  public long bytesInFlight() {
    return bytes.get();
  }

  public long eventsInFlight() {
    return events.get();
  }

  private static boolean tryReserve(AtomicLong counter, long n, long max) {
    while (true) {
      long current = counter.get();
      // A single request larger than the whole bound is still admitted when nothing else runs.
      if (current > 0 && current + n > max) {
        return false;
      }
      if (counter.compareAndSet(current, current + n)) {
        return true;
      }
    }
  }
}
