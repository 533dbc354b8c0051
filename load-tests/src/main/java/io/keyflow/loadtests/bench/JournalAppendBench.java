package io.keyflow.loadtests.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * What writer fencing costs per journal append: the epoch-fenced journal's QUORUM insert followed by
 * its confirmation (a QUORUM read of the fence partition, here one per append: the journal shares
 * one read among all appends that gather while one is in flight, so this is its worst case) against
 * the plain insert alone, on the same table, alternating rounds in one run so the machine's noise
 * hits both.
 *
 * <p>{@code bin/keyflow bench journal [--contact 127.0.0.1:9042] [--keyspace keyflow] [--appends 2000]
 * [--writers 8] [--rounds 2] [--event-bytes 400]} — needs a running Cassandra with the Keyflow schema
 * (a node started once applies it). Each writer appends to its own persistence id, one append after
 * the other, as a key group does. {@link #measure} is also the side-by-side bench's journal ceiling.
 */
public final class JournalAppendBench {

  /** One measured round: appends per second and the latency of one append. */
  public record Round(boolean fenced, long appends, double appendsPerSecond, double p50Ms, double p99Ms) {}

  private final CqlSession session;
  private final PreparedStatement insert;
  private final PreparedStatement confirm;

  public JournalAppendBench(CqlSession session, String keyspace) {
    this.session = session;
    // Each persistence id alone in its own segment: one append, one mutation (no flush shared).
    this.insert = session.prepare("INSERT INTO " + keyspace + ".journal_segments"
        + " (fence_key, segment, persistence_id, sequence_nr, epoch, writer_uuid, ser_id, ser_manifest, event_manifest,"
        + " event, written_at) VALUES ('bench', ?, ?, ?, 1, 'bench', 1, '', '', ?, ?)");
    this.confirm = session.prepare("SELECT persistence_id, epoch FROM " + keyspace + ".journal_fences WHERE fence_key = ?");
  }

  public static void main(String[] args) throws Exception {
    String contact = option(args, "--contact", "127.0.0.1:9042");
    String keyspace = option(args, "--keyspace", "keyflow");
    int appends = Integer.parseInt(option(args, "--appends", "2000"));
    int writers = Integer.parseInt(option(args, "--writers", "8"));
    int rounds = Integer.parseInt(option(args, "--rounds", "2"));
    int eventBytes = Integer.parseInt(option(args, "--event-bytes", "400"));
    try (CqlSession session = connect(contact)) {
      JournalAppendBench bench = new JournalAppendBench(session, keyspace);
      System.out.printf("journal append bench: %d appends x %d writers per round, %d rounds, %d-byte events%n",
          appends, writers, rounds, eventBytes);
      for (int round = 1; round <= rounds; round++) {
        for (boolean fenced : new boolean[] {false, true}) {
          Round r = bench.measure(fenced, appends, writers, eventBytes);
          System.out.println(String.format(Locale.ROOT,
              "bench=journal-append mode=%s round=%d appends=%d rate_per_s=%.0f p50_ms=%.2f p99_ms=%.2f",
              fenced ? "fenced" : "plain", round, r.appends(), r.appendsPerSecond(), r.p50Ms(), r.p99Ms()));
        }
      }
    }
  }

  public static CqlSession connect(String contact) {
    String[] hostPort = contact.split(":");
    return CqlSession.builder().addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
        .withLocalDatacenter("datacenter1").build();
  }

  /** {@code writers} persistence ids, each appending {@code appends} events of {@code eventBytes}, one after the other. */
  public Round measure(boolean fenced, int appends, int writers, int eventBytes) throws Exception {
    ByteBuffer event = ByteBuffer.wrap(new byte[eventBytes]);
    Histogram latency = new Histogram(60_000_000L, 3);
    long started = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String pid = "bench-" + UUID.randomUUID();
        UUID segment = UUID.randomUUID();
        done.add(pool.submit(() -> {
          for (long seq = 1; seq <= appends; seq++) {
            long t0 = System.nanoTime();
            boolean applied = session.execute(insert.bind(segment, pid, seq, event.duplicate(), System.currentTimeMillis())
                .setConsistencyLevel(DefaultConsistencyLevel.QUORUM)).wasApplied();
            if (fenced) {
              session.execute(confirm.bind("bench").setConsistencyLevel(DefaultConsistencyLevel.QUORUM));
            }
            synchronized (latency) {
              latency.recordValue((System.nanoTime() - t0) / 1_000);
            }
            if (!applied) {
              throw new IllegalStateException("append " + seq + " of " + pid + " was not applied");
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long total = (long) appends * writers;
    return new Round(fenced, total, total / seconds, latency.getValueAtPercentile(50) / 1000.0,
        latency.getValueAtPercentile(99) / 1000.0);
  }

  /** The value after {@code name} in {@code args}, or {@code fallback}. */
  static String option(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
