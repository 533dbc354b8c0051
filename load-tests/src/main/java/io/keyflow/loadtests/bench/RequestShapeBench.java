package io.keyflow.loadtests.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * What Cassandra spends on one small request in the store's requests alone, today against the
 * request log of docs/ingest.md ("Next: a request log"), with the same bytes: an experiment to check
 * the request log's premise (that the cost follows the number of mutations and requests, not their
 * bytes) before it is built. No Keyflow node is involved: this JVM plays the node's journal.
 *
 * <ul>
 *   <li>{@code today}: per request, the journal rows of its key groups (one per group) in
 *       {@code --flushes} single-partition batches sent at once (the per-node flush, one segment),
 *       then {@code --confirmations} fence reads one after the other (the shared confirmation);
 *       measured at 50 requests/s of 100 events: about 7 flushes and 5.5 confirmations per request
 *       (load-tests/results/2026-12-07-low-rate-cost.md).</li>
 *   <li>{@code ledger}: per request one batch of the same rows into a ledger partition (or, with
 *       {@code --ledger-rows one}, one row holding them all), then one fence read; and every {@code --progress-ms} one batch of the rows of the key groups that received
 *       shares since the last one (their progress events, carrying the records again) into a journal
 *       segment, then one fence read.</li>
 * </ul>
 *
 * <p>{@code bin/keyflow bench shapes [--rate 50] [--seconds 20] [--rounds 3] [--groups 70] [--events 100]}
 * needs a running one-node cluster ({@code bin/keyflow cluster 1}: the bundled Cassandra with the
 * schema; the node stays idle). Open loop at {@code --rate} requests per second; the shapes alternate,
 * their order swapped every round; Cassandra's CPU per request from {@code /proc}.
 */
public final class RequestShapeBench {

  private static final int KEY_GROUPS = 128;
  private static final int BYTES_PER_EVENT = 14;

  record Options(String contact, String keyspace, int rate, int seconds, int rounds, int groups, int events,
      int flushes, double confirmations, int progressMs, boolean ledgerRowPerGroup) {}

  private final CqlSession session;
  private final Options o;
  private final PreparedStatement insert;
  private final PreparedStatement confirm;
  private final AtomicLongArray seq = new AtomicLongArray(KEY_GROUPS);

  RequestShapeBench(CqlSession session, Options o) {
    this.session = session;
    this.o = o;
    this.insert = session.prepare("INSERT INTO " + o.keyspace() + ".journal_segments"
        + " (fence_key, segment, persistence_id, sequence_nr, epoch, writer_uuid, ser_id, ser_manifest, event_manifest,"
        + " event, written_at) VALUES (?, ?, ?, ?, 1, 'bench', 1, '', '', ?, ?)");
    this.confirm = session.prepare("SELECT persistence_id, epoch FROM " + o.keyspace() + ".journal_fences"
        + " WHERE fence_key = ? AND persistence_id IN ?");
    // The fence rows the confirmations read, under a fence key of the bench's own (no pipeline has it).
    PreparedStatement fence = session.prepare("INSERT INTO " + o.keyspace() + ".journal_fences"
        + " (fence_key, persistence_id, epoch) VALUES ('shapes', ?, 1)");
    for (int g = 0; g < KEY_GROUPS; g++) {
      session.execute(fence.bind("kg-" + g));
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = new Options(JournalAppendBench.option(args, "--contact", "127.0.0.1:9042"), JournalAppendBench.option(args, "--keyspace", "keyflow"),
        Integer.parseInt(JournalAppendBench.option(args, "--rate", "50")), Integer.parseInt(JournalAppendBench.option(args, "--seconds", "20")),
        Integer.parseInt(JournalAppendBench.option(args, "--rounds", "3")), Integer.parseInt(JournalAppendBench.option(args, "--groups", "70")),
        Integer.parseInt(JournalAppendBench.option(args, "--events", "100")), Integer.parseInt(JournalAppendBench.option(args, "--flushes", "7")),
        Double.parseDouble(JournalAppendBench.option(args, "--confirmations", "5.5")),
        Integer.parseInt(JournalAppendBench.option(args, "--progress-ms", "50")),
        !JournalAppendBench.option(args, "--ledger-rows", "per-group").equals("one"));
    if (o.rate() < 1 || o.rate() > 2_000 || o.seconds() < 1 || o.seconds() > 300 || o.rounds() < 1 || o.rounds() > 20
        || o.groups() < 1 || o.groups() > KEY_GROUPS || o.flushes() < 1 || o.flushes() > o.groups()) {
      throw new IllegalArgumentException("options out of range: " + o);
    }
    Path pidFile = Path.of(System.getProperty("keyflow.home", ".")).resolve("run/cassandra.pid");
    try (CqlSession session = JournalAppendBench.connect(o.contact())) {
      RequestShapeBench bench = new RequestShapeBench(session, o);
      System.out.printf(Locale.ROOT, "request shapes: %d requests/s of %d events over %d key groups, %d s per run,"
          + " %d rounds; today: %d flushes and %.1f confirmations per request; ledger: %s, progress every %d ms%n",
          o.rate(), o.events(), o.groups(), o.seconds(), o.rounds(), o.flushes(), o.confirmations(),
          o.ledgerRowPerGroup() ? "a row per key group" : "one row per request", o.progressMs());
      bench.run("warm-up", true, pidFile); // not reported: the JIT of both JVMs, the driver's connections
      for (int round = 1; round <= o.rounds(); round++) {
        boolean todayFirst = round % 2 == 1;
        for (int turn = 0; turn < 2; turn++) {
          boolean today = todayFirst == (turn == 0);
          String line = bench.run("round " + round, today, pidFile);
          System.out.println(line);
        }
      }
    }
  }

  /** One open-loop run of one shape; its line: requests done, Cassandra CPU per request, latency. */
  String run(String label, boolean today, Path cassandraPid) throws Exception {
    int requests = o.rate() * o.seconds();
    Histogram latency = new Histogram(60_000_000L, 3);
    CountDownLatch done = new CountDownLatch(requests);
    AtomicInteger failed = new AtomicInteger();
    UUID segment = UUID.randomUUID();
    ByteBuffer share = ByteBuffer.wrap(new byte[Math.max(1, o.events() * BYTES_PER_EVENT / o.groups())]);
    boolean[] touched = new boolean[KEY_GROUPS];
    ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
    ProcessUsage before = ProcessUsage.ofPidFile(cassandraPid);
    long started = System.nanoTime();
    AtomicInteger sent = new AtomicInteger();
    long periodNanos = 1_000_000_000L / o.rate();
    var requestTask = clock.scheduleAtFixedRate(() -> {
      int n = sent.getAndIncrement();
      if (n >= requests) {
        return;
      }
      long scheduled = started + n * periodNanos;
      List<Integer> groups = groupsOf(n);
      CompletableFuture<?> write;
      int reads;
      if (today) {
        List<CompletableFuture<?>> flushes = new ArrayList<>();
        int per = (groups.size() + o.flushes() - 1) / o.flushes();
        for (int from = 0; from < groups.size(); from += per) {
          flushes.add(batch(segment, groups.subList(from, Math.min(groups.size(), from + per)), share));
        }
        write = CompletableFuture.allOf(flushes.toArray(new CompletableFuture<?>[0]));
        reads = (int) Math.floor(o.confirmations()) + (n % 2 == 1 && o.confirmations() % 1 != 0 ? 1 : 0);
      } else {
        UUID bucket = UUID.nameUUIDFromBytes(("ledger" + segment + n / 4096).getBytes());
        write = o.ledgerRowPerGroup() ? batch(bucket, groups, share)
            : batch(bucket, List.of(n % KEY_GROUPS), ByteBuffer.wrap(new byte[share.remaining() * groups.size()]));
        reads = 1;
        synchronized (touched) {
          groups.forEach(g -> touched[g] = true);
        }
      }
      CompletableFuture<?> chain = write;
      for (int r = 0; r < reads; r++) {
        chain = chain.thenCompose(x -> read(groups));
      }
      chain.whenComplete((x, error) -> {
        if (error != null) {
          failed.incrementAndGet();
        }
        synchronized (latency) {
          latency.recordValue(Math.max(0, (System.nanoTime() - scheduled) / 1_000));
        }
        done.countDown();
      });
    }, 0, periodNanos, TimeUnit.NANOSECONDS);
    var progressTask = today ? null : clock.scheduleAtFixedRate(() -> {
      List<Integer> groups = new ArrayList<>();
      synchronized (touched) {
        for (int g = 0; g < KEY_GROUPS; g++) {
          if (touched[g]) {
            groups.add(g);
            touched[g] = false;
          }
        }
      }
      if (!groups.isEmpty()) {
        // Each group's progress event carries its pending records: about (rate × interval) shares.
        int sharesPerEvent = Math.max(1, (int) Math.round(o.rate() * o.progressMs() / 1000.0 * o.groups() / KEY_GROUPS));
        ByteBuffer event = ByteBuffer.wrap(new byte[share.remaining() * sharesPerEvent]);
        batch(segment, groups, event).thenCompose(x -> read(groups)).exceptionally(e -> {
          failed.incrementAndGet();
          return null;
        }).join();
      }
    }, o.progressMs(), o.progressMs(), TimeUnit.MILLISECONDS);
    boolean finished = done.await(o.seconds() + 60L, TimeUnit.SECONDS);
    requestTask.cancel(false);
    if (progressTask != null) {
      progressTask.cancel(false);
    }
    clock.shutdown();
    clock.awaitTermination(10, TimeUnit.SECONDS);
    double cpu = ProcessUsage.ofPidFile(cassandraPid).cpuSecondsSince(before);
    double seconds = (System.nanoTime() - started) / 1e9;
    return String.format(Locale.ROOT,
        "bench=request-shapes %s shape=%s requests=%d finished=%s failed=%d seconds=%.1f cassandra_cpu_s=%.2f"
            + " cassandra_cpu_ms_per_request=%.2f ack_p50_ms=%.1f ack_p99_ms=%.1f",
        label, today ? "today" : "ledger", requests, finished, failed.get(), seconds, cpu, cpu * 1000 / requests,
        latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0);
  }

  /** The key groups request {@code n} reaches: {@code --groups} of the 128, varying with {@code n}. */
  private List<Integer> groupsOf(int n) {
    List<Integer> groups = new ArrayList<>(o.groups());
    int start = (n * 37) % KEY_GROUPS;
    for (int i = 0; i < o.groups(); i++) {
      groups.add((start + i) % KEY_GROUPS);
    }
    return groups;
  }

  private CompletableFuture<?> batch(UUID segment, List<Integer> groups, ByteBuffer event) {
    BatchStatementBuilder b = BatchStatement.builder(BatchType.UNLOGGED);
    long now = System.currentTimeMillis();
    for (int g : groups) {
      b.addStatement(insert.bind("shapes", segment, "kg-" + g, seq.incrementAndGet(g), event.duplicate(), now));
    }
    Statement<?> s = b.build().setConsistencyLevel(DefaultConsistencyLevel.QUORUM);
    return session.executeAsync(s).toCompletableFuture();
  }

  private CompletableFuture<?> read(List<Integer> groups) {
    List<String> ids = groups.stream().map(g -> "kg-" + g).toList();
    return session.executeAsync(confirm.bind("shapes", ids).setConsistencyLevel(DefaultConsistencyLevel.QUORUM))
        .toCompletableFuture();
  }
}
