package io.keyflow.loadtests.flink;

import io.keyflow.loadtests.bench.BenchPage;
import io.keyflow.loadtests.bench.KeyflowBenchRun;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The Markdown report of {@link ClicksSideBySideIT}: the targets first, then how each figure was taken. */
record ClicksReport(long events, int requests, int batch, int keys, long disorderMs, long boundMs, int concurrency,
    int ceilingAppendsInFlight) {

  /**
   * {@code flink}: the warm run with the median steady rate, {@code warmRates} the steady rates of all
   * warm runs, {@code flinkCpuSeconds} the CPU of {@code flink}'s run.
   */
  String render(FlinkClicks.Run flinkFirst, FlinkClicks.Run flink, List<Double> warmRates, double flinkCpuSeconds,
      double flinkRssMiB,
      KeyflowBenchRun.Outcome one, KeyflowBenchRun.Outcome three, KeyflowBenchRun.Outcome small,
      KeyflowBenchRun.Outcome open, KeyflowBenchRun.Outcome replicated, List<String> chaos) {
    int cores = Runtime.getRuntime().availableProcessors();
    double oneCpuPerMillion = perMillion(one.nodeCpuSeconds() + one.cassandraCpuSeconds());
    StringBuilder r = new StringBuilder(String.format(Locale.ROOT, """
        # Keyflow and Flink side by side — %s

        Workload `clicks`: %,d events (%d requests of %,d), %,d users, amount 1–100, event time 1 ms apart with up
        to %d ms disorder; count and sum of amount per user per 10 s tumbling window; out-of-orderness bound %,d ms
        on both sides (the disorder plus 3 × the reordering of %d requests of %,d events in flight), so nothing is
        late. Same machine (%d cores), one system after the other. Flink reads a replayable file and checkpoints
        every second (exactly-once); Keyflow acknowledges a request only when every event of it is in the
        epoch-fenced Cassandra journal, so an acknowledged event survives kill -9.

        Every run below over time (events/s, Keyflow's ack latency, the changes of phase marked): `%s.html`
        next to this file.

        ## Targets

        | measure | this run |
        |---|---|
        | 1 node + bundled Cassandra, %,d-event requests × %d in flight | %,.0f events/s |
        | CPU seconds (node + Cassandra) per million events, same run | %.1f |
        | 1 node, 100-event requests × 32 in flight | %s |
        | open-loop ack latency at half that rate, 100-event requests (from each request's scheduled send) | %s |
        | 3 nodes on this box: CPU per million events ÷ the 1-node figure | %s |
        | Keyflow (1 node) ÷ Flink 2.3 steady state, same events | **%.3f** |

        ## How

        | system | how | events/s | ack latency p50 / p99 / p99.9 | window results = Flink's |
        |---|---|---|---|---|
        | Apache Flink 2.3 | MiniCluster, parallelism %d, checkpoints 1 s exactly-once, file source; of %d warm runs of the job in this JVM (after a first one) the one with the median rate (warm runs: %s events/s), events between its 10 %% and 90 %% marks | %,.0f | — (net runtime %,d ms, wall %,d ms; first run: net %,d ms, wall %,d ms, %,.0f events/s steady) | — (%,d windows) |
        """, LocalDate.now(), events, requests, batch, keys, disorderMs, boundMs, concurrency, batch, cores,
        LocalDate.now(), batch, concurrency, one.eventsPerSecond(), oneCpuPerMillion,
        small == null ? "not run" : String.format(Locale.ROOT, "%,.0f events/s", small.eventsPerSecond()),
        open == null ? "not run" : String.format(Locale.ROOT, "p50 %.0f ms, p99 %.0f ms at %,.0f events/s offered",
            open.number("p50_ms"), open.number("p99_ms"), small.eventsPerSecond() / 2),
        three == null ? "not run" : String.format(Locale.ROOT, "%.2f",
            perMillion(three.nodeCpuSeconds() + three.cassandraCpuSeconds()) / oneCpuPerMillion),
        one.eventsPerSecond() / flink.steadyEventsPerSecond(),
        cores, warmRates.size(), warmRates.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v))
            .collect(java.util.stream.Collectors.joining(", ")), flink.steadyEventsPerSecond(), flink.netRuntimeMs(), flink.wallMs(), flinkFirst.netRuntimeMs(),
        flinkFirst.wallMs(), flinkFirst.steadyEventsPerSecond(), flink.results().size()));
    for (KeyflowBenchRun.Outcome o : three == null ? List.of(one) : List.of(one, three)) {
      r.append(String.format(Locale.ROOT,
          "| Keyflow | %d node(s) + bundled Cassandra, HTTP NDJSON, %d requests in flight, after a warm-up load (see below) | %,.0f"
              + " | %.0f / %.0f / %.0f ms | %s |%n",
          o.nodes(), concurrency, o.eventsPerSecond(), o.number("p50_ms"), o.number("p99_ms"), o.number("p999_ms"),
          o.lines().equals(flink.lines())));
    }
    for (KeyflowBenchRun.Outcome o : small == null ? List.<KeyflowBenchRun.Outcome>of() : List.of(small, open)) {
      r.append(String.format(Locale.ROOT,
          "| Keyflow | 1 node, 100-event requests, %s | %,.0f | %.0f / %.0f / %.0f ms | (not read) |%n",
          o == small ? "32 in flight (closed loop)" : "open loop at half the closed-loop rate", o.eventsPerSecond(),
          o.number("p50_ms"), o.number("p99_ms"), o.number("p999_ms")));
    }
    r.append(String.format(Locale.ROOT, """

        Journal ceiling (same run, node idle, Cassandra as left by the run): the fenced append alone — an
        insert and a QUORUM read of the fence, %d persistence ids appending one after the other, %,.0f bytes
        per append (%,.0f records of %.1f bytes, what the node's group commit wrote on average) — takes %,.0f
        appends/s, p50 %.1f ms, p99 %.1f ms: **%,.0f records/s**. Keyflow's ingest reaches %.2f of it.

        CPU and memory (CPU seconds over the measured load, per million events sent; peak RSS). Each Keyflow
        run starts on a fresh data directory (`bin/keyflow clean`) and first sends a warm-up load to
        another pipeline of the same cluster, not measured, unless
        -Dbench.warmup-requests=0 (then the loader's 3 s warm-up is in the CPU, not in the rate).
        Rates over the same interval as the CPU: %,.0f events/s (1 node), %,.0f events/s (Flink, net runtime).

        | process | CPU s | CPU s per million events | peak RSS |
        |---|---|---|---|
        | Flink MiniCluster (test JVM: source, job, sink; the median warm run) | %.1f | %.1f | %,.0f MiB (test JVM so far) |
        | Keyflow node (1-node run) | %.1f | %.1f | %,.0f MiB |
        | bundled Cassandra (1-node run: journal, snapshots, results) | %.1f | %.1f | %,.0f MiB |
        | Keyflow load generator (test JVM, 1-node run) | %.1f | %.1f | — |
        """, ceilingAppendsInFlight, one.bytesPerRecord() * one.recordsPerAppend(), one.recordsPerAppend(),
        one.bytesPerRecord(), one.ceiling().appendsPerSecond(), one.ceiling().p50Ms(), one.ceiling().p99Ms(),
        one.ceilingRecordsPerSecond(), one.eventsPerSecond() / one.ceilingRecordsPerSecond(),
        events / one.loadSeconds(), events * 1000.0 / flink.netRuntimeMs(), flinkCpuSeconds, perMillion(flinkCpuSeconds), flinkRssMiB,
        one.nodeCpuSeconds(), perMillion(one.nodeCpuSeconds()), one.nodePeakRssMiB(),
        one.cassandraCpuSeconds(), perMillion(one.cassandraCpuSeconds()), one.cassandraPeakRssMiB(),
        one.loaderCpuSeconds(), perMillion(one.loaderCpuSeconds())));
    if (three != null) {
      r.append(String.format(Locale.ROOT, "| Keyflow nodes (3-node run, together) | %.1f | %.1f | %,.0f MiB (largest) |%n"
              + "| bundled Cassandra (3-node run) | %.1f | %.1f | %,.0f MiB |%n",
          three.nodeCpuSeconds(), perMillion(three.nodeCpuSeconds()), three.nodePeakRssMiB(),
          three.cassandraCpuSeconds(), perMillion(three.cassandraCpuSeconds()), three.cassandraPeakRssMiB()));
    }
    if (!Double.isNaN(one.nodeCompilerCpuSeconds())) {
      r.append(String.format(Locale.ROOT, "%nOf the 1-node run's CPU, the just-in-time compiler threads used %.1f s in the"
              + " node and %.1f s in Cassandra (%.1f CPU s per million events together): compilation still under way"
              + " after the warm-up, in the figures above.%n",
          one.nodeCompilerCpuSeconds(), one.cassandraCompilerCpuSeconds(),
          perMillion(one.nodeCompilerCpuSeconds() + one.cassandraCompilerCpuSeconds())));
    }
    if (replicated != null) {
      r.append(String.format(Locale.ROOT, """

          Replicated store (`bin/keyflow bench --cassandra 3`): the 1-node load once more, on three bundled store
          nodes (127.0.2.1–3, keyspace at RF 3, every read and write at QUORUM, the fence at SERIAL), after a
          warm-up load like the others. All six JVMs share the same %d cores.

          | store | events/s | ack p50 / p99 / p99.9 | CPU s per million: node / store (all its nodes) | store peak RSS (largest node) | window results = Flink's |
          |---|---|---|---|---|---|
          """, cores));
      for (KeyflowBenchRun.Outcome o : List.of(one, replicated)) {
        r.append(String.format(Locale.ROOT, "| %s | %,.0f | %.0f / %.0f / %.0f ms | %.1f / %.1f | %,.0f MiB | %s |%n",
            o == one ? "1 node, RF 1" : "3 nodes, RF 3", o.eventsPerSecond(), o.number("p50_ms"), o.number("p99_ms"),
            o.number("p999_ms"), perMillion(o.nodeCpuSeconds()), perMillion(o.cassandraCpuSeconds()),
            o.cassandraPeakRssMiB(), o.lines().equals(flink.lines())));
      }
      r.append(String.format(Locale.ROOT, "%nRF 3 ÷ RF 1: %.2f × the events/s, %.2f × the CPU per event (node + store).%n",
          replicated.eventsPerSecond() / one.eventsPerSecond(),
          (replicated.nodeCpuSeconds() + replicated.cassandraCpuSeconds()) / (one.nodeCpuSeconds() + one.cassandraCpuSeconds())));
    }
    if (!chaos.isEmpty()) {
      r.append("""

          Recovery and rebalancing (`bin/keyflow chaos kill leave-join`, 3 nodes under the chaos clients' load;
          recovery_s / recovery_all_s = from the fault of its node to the first 2xx of the quickest / slowest
          moved probe key, pause_max_s = the longest a client waited for one request):

          """);
      chaos.forEach(line -> r.append("    ").append(line).append('\n'));
    }
    return r.toString();
  }

  /** The page over time of the same runs; {@code chaos} the chaos runner's sections, if it ran. */
  String html(FlinkClicks.Run flink, KeyflowBenchRun.Outcome one, KeyflowBenchRun.Outcome three,
      KeyflowBenchRun.Outcome small, KeyflowBenchRun.Outcome open, KeyflowBenchRun.Outcome replicated,
      List<BenchPage.Section> chaos) {
    List<BenchPage.Section> sections = new ArrayList<>();
    sections.add(BenchPage.Section.rate("Apache Flink 2.3 (median warm run)", String.format(Locale.ROOT,
        "%,.0f events/s steady (between the 10 %% and 90 %% marks), net runtime %,d ms", flink.steadyEventsPerSecond(),
        flink.netRuntimeMs()), flink.eventsPerSecond(), flink.marks()));
    String requestsOf = String.format(Locale.ROOT, "%,d-event requests × %d in flight", batch, concurrency);
    sections.add(BenchPage.Section.keyflow("Keyflow, 1 node, " + requestsOf, one));
    if (three != null) {
      sections.add(BenchPage.Section.keyflow("Keyflow, 3 nodes, " + requestsOf, three));
    }
    if (small != null) {
      sections.add(BenchPage.Section.keyflow("Keyflow, 1 node, 100-event requests × 32 in flight", small));
      sections.add(BenchPage.Section.keyflow("Keyflow, 1 node, 100-event requests, open loop at half that rate", open));
    }
    if (replicated != null) {
      sections.add(BenchPage.Section.keyflow("Keyflow, 1 node, 3 store nodes at RF 3, " + requestsOf, replicated));
    }
    sections.addAll(chaos);
    return BenchPage.render("Keyflow and Flink side by side over time — " + LocalDate.now(), List.of(
        "The runs of " + LocalDate.now() + ".md, one after the other on this machine; each chart's time axis starts"
            + " with its own run.",
        "Flink: a point is the events its parse step (all subtasks) took in the 100 ms before it, per second; t from"
            + " the job's submission. The steady rate counts the events between the 10 % and 90 % marks.",
        "Keyflow: a point is one second of the load generator (in the test JVM): events acknowledged in it, and the"
            + " p50 and p99 latency of the requests acknowledged in it. A measured load follows a warm-up load to"
            + " another pipeline, not drawn; without one (--warmup-requests 0) the loader's own warm-up is drawn and"
            + " its end marked.",
        "Chaos: the charts of each scenario's report.html, as its load clients saw it, with each change of phase"
            + " (fault, heal, settle) marked."), sections);
  }

  private double perMillion(double seconds) {
    return seconds * 1_000_000 / events;
  }
}
