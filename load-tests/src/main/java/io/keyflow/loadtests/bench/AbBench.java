package io.keyflow.loadtests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Before and after, alternated (`bin/keyflow bench ab`): the one-node clicks load of the side-by-side
 * bench (1,000-event requests, 8 in flight, after a warm-up load to another pipeline), run on two
 * checkouts of Keyflow, each run on a fresh cluster and a fresh data directory. The sides take turns,
 * their order swapped every round (base, new; new, base; ...), so a drift of the machine over the runs
 * weighs on both. One client for both: this JVM's load generator.
 *
 * <p>Why: from one fresh cluster to the next, the same code measured 30,000 to 44,000 events/s here,
 * so a change is only told from that spread by several runs of each side. The report gives every run,
 * and per side the median and the range; CPU per event also without the JIT compiler threads, which
 * still work after the warm-up and vary the most between runs.
 */
public final class AbBench {

  private static final long START = 1_700_000_000_000L;
  private static final long DISORDER_MS = 500;
  private static final String MEASURED = "ab_measured";
  private static final String WARMUP = "ab_warmup";

  /** One measured run of one side. CPU in seconds per million events; latency in milliseconds. */
  record Run(String side, int round, double eventsPerSecond, double nodeCpuPerMillion, double cassandraCpuPerMillion,
      double compilerCpuPerMillion, double p50, double p99) {

    double cpuPerMillion() {
      return nodeCpuPerMillion + cassandraCpuPerMillion;
    }

    double cpuPerMillionWithoutCompilers() {
      return cpuPerMillion() - compilerCpuPerMillion;
    }
  }

  record Options(Path base, Path current, int rounds, int requests, int warmupRequests, int batch, int concurrency,
      int keys, int nodes, long rate, Path report) {

    static Options parse(String[] args, Path home) {
      Path base = null;
      Path current = home;
      int rounds = 3;
      int requests = 600;
      int warmup = 1_500;
      int batch = 1_000;
      int concurrency = 8;
      int keys = 1_000;
      int nodes = 1;
      long rate = 0;
      Path report = null;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--base" -> base = Path.of(value).toAbsolutePath().normalize();
          case "--new" -> current = Path.of(value).toAbsolutePath().normalize();
          case "--rounds" -> rounds = positive(flag, value);
          case "--requests" -> requests = positive(flag, value);
          case "--warmup-requests" -> warmup = Integer.parseInt(value);
          case "--batch" -> batch = positive(flag, value);
          case "--concurrency" -> concurrency = positive(flag, value);
          case "--keys" -> keys = positive(flag, value);
          case "--nodes" -> nodes = positive(flag, value);
          case "--rate" -> rate = positive(flag, value);
          case "--report" -> report = Path.of(value).toAbsolutePath().normalize();
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      if (base == null) {
        throw new IllegalArgumentException("--base <checkout of the base commit, built> is required");
      }
      if (base.equals(current)) {
        throw new IllegalArgumentException("--base and --new are the same checkout: " + base);
      }
      if (report == null) {
        report = current.resolve("load-tests/target/bench/ab-"
            + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmm")) + ".md");
      }
      if (nodes > 5) {
        throw new IllegalArgumentException("--nodes: at most 5 nodes on this box, not " + nodes);
      }
      return new Options(base, current, rounds, requests, warmup, batch, concurrency, keys, nodes, rate, report);
    }

    private static int positive(String flag, String value) {
      int n = Integer.parseInt(value);
      if (n < 1) {
        throw new IllegalArgumentException(flag + " must be at least 1, not " + value);
      }
      return n;
    }

    /** Out-of-orderness bound of both pipelines: the disorder plus 3 × the reordering of the requests in flight. */
    long boundMs() {
      return DISORDER_MS + 3L * concurrency * batch;
    }
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args, Path.of(System.getProperty("keyflow.home", ".")).toAbsolutePath().normalize());
    } catch (IllegalArgumentException e) {
      System.err.println("bench ab: " + e.getMessage());
      System.err.println("usage: bin/keyflow bench ab <git ref or built checkout> [--rounds N] [--requests N]"
          + " [--warmup-requests N] [--batch N] [--concurrency N] [--keys N] [--nodes N] [--rate N] [--report FILE]");
      System.exit(2);
      return;
    }
    List<Run> runs = new ArrayList<>();
    KeyflowBenchRun base = side(options.base(), options);
    KeyflowBenchRun current = side(options.current(), options);
    for (int round = 1; round <= options.rounds(); round++) {
      boolean baseFirst = round % 2 == 1;
      for (int turn = 0; turn < 2; turn++) {
        boolean isBase = baseFirst == (turn == 0);
        Run run = measure(isBase ? "base" : "new", round, isBase ? base : current, options);
        runs.add(run);
        System.out.println(line(run));
      }
    }
    String report = report(options, runs);
    Files.createDirectories(options.report().getParent());
    Files.writeString(options.report(), report);
    System.out.println();
    System.out.println(report);
    System.out.println("written to " + options.report());
  }

  private static KeyflowBenchRun side(Path home, Options o) throws IOException {
    KeyflowBenchRun run = new KeyflowBenchRun(home);
    if (o.warmupRequests() > 0) {
      run.warmingUpWith(WARMUP, List.of("--batch", "" + o.batch(), "--requests", "" + o.warmupRequests(),
          "--concurrency", "" + o.concurrency(), "--keys", "" + o.keys(), "--seed", "2", "--start-ts", "" + START,
          "--disorder-ms", "" + DISORDER_MS, "--warmup", "0s"));
    }
    return run;
  }

  private static Run measure(String side, int round, KeyflowBenchRun keyflow, Options o) throws Exception {
    keyflow.clean();
    List<String> load = new ArrayList<>(List.of("--batch", "" + o.batch(), "--requests", "" + o.requests(),
        "--concurrency", "" + o.concurrency(), "--keys", "" + o.keys(), "--seed", "1", "--start-ts", "" + START,
        "--disorder-ms", "" + DISORDER_MS, "--warmup", o.warmupRequests() > 0 ? "0s" : "3s"));
    if (o.rate() > 0) {
      load.addAll(List.of("--rate", "" + o.rate())); // open loop: latency from each request's scheduled send
    }
    String conf = KeyflowBenchRun.clicksPipeline(MEASURED, o.boundMs()) + KeyflowBenchRun.clicksPipeline(WARMUP, o.boundMs());
    KeyflowBenchRun.Outcome out = keyflow.run(o.nodes(), MEASURED, conf, load, 0, false, 0, null);
    double millions = (double) o.requests() * o.batch() / 1e6;
    return new Run(side, round, out.eventsPerSecond(), out.nodeCpuSeconds() / millions,
        out.cassandraCpuSeconds() / millions,
        (out.nodeCompilerCpuSeconds() + out.cassandraCompilerCpuSeconds()) / millions,
        out.number("p50_ms"), out.number("p99_ms"));
  }

  private static String line(Run r) {
    return String.format(Locale.ROOT,
        "%-4s round %d: %,.0f events/s, CPU %.1f s per million (node %.1f, Cassandra %.1f; JIT compilers %.1f),"
            + " ack p50 %.0f ms, p99 %.0f ms",
        r.side(), r.round(), r.eventsPerSecond(), r.cpuPerMillion(), r.nodeCpuPerMillion(), r.cassandraCpuPerMillion(),
        r.compilerCpuPerMillion(), r.p50(), r.p99());
  }

  /** The Markdown report: what was run, every run in the order it ran, and per side median and range. */
  static String report(Options o, List<Run> runs) {
    StringBuilder s = new StringBuilder();
    s.append("# Before and after, alternated\n\n");
    s.append(String.format(Locale.ROOT,
        "base: `%s`; new: `%s`. %s on the bundled one-node Cassandra, a fresh data directory and cluster per"
            + " run (`bin/keyflow clean`, `cluster %d` of that checkout; the load spread over every node's HTTP"
            + " address); %,d warm-up requests to another pipeline"
            + " (not measured), then %,d requests of %,d clicks events, %d in flight%s, %,d users, event time"
            + " continuing so windows fire (tumbling 10 s, count and sum, bound %,d ms). Sides alternate, their"
            + " order swapped every round. CPU: node + Cassandra over the measured load, per million events"
            + " (`/proc`); \"without JIT\": less the CPU of both JVMs' compiler threads.\n\n",
        o.base(), o.current(), o.nodes() == 1 ? "One node" : o.nodes() + " nodes", o.nodes(), o.warmupRequests(),
        o.requests(), o.batch(), o.concurrency(),
        o.rate() > 0 ? String.format(Locale.ROOT, " at most, open loop at %,d events/s offered (ack latency from each"
            + " request's scheduled send)", o.rate()) : "",
        o.keys(), o.boundMs()));
    s.append("| run | side | events/s | CPU s per M | node | Cassandra | JIT compilers | without JIT | ack p50 / p99 ms |\n");
    s.append("|---|---|---|---|---|---|---|---|---|\n");
    int n = 0;
    for (Run r : runs) {
      s.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f / %.0f |\n",
          ++n, r.side(), r.eventsPerSecond(), r.cpuPerMillion(), r.nodeCpuPerMillion(), r.cassandraCpuPerMillion(),
          r.compilerCpuPerMillion(), r.cpuPerMillionWithoutCompilers(), r.p50(), r.p99()));
    }
    s.append("\n| side | runs | events/s, median (range) | CPU s per M, median (range) | without JIT, median (range) |\n");
    s.append("|---|---|---|---|---|\n");
    for (String side : List.of("base", "new")) {
      List<Run> mine = runs.stream().filter(r -> r.side().equals(side)).toList();
      if (mine.isEmpty()) {
        continue;
      }
      s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |\n", side, mine.size(),
          summary(mine.stream().mapToDouble(Run::eventsPerSecond).toArray(), "%,.0f"),
          summary(mine.stream().mapToDouble(Run::cpuPerMillion).toArray(), "%.1f"),
          summary(mine.stream().mapToDouble(Run::cpuPerMillionWithoutCompilers).toArray(), "%.1f")));
    }
    double[] baseRate = rates(runs, "base");
    double[] newRate = rates(runs, "new");
    if (baseRate.length > 0 && newRate.length > 0) {
      boolean apart = min(newRate) > max(baseRate) || max(newRate) < min(baseRate);
      int rounds = 0;
      int faster = 0;
      for (Run b : runs) {
        for (Run c : runs) {
          if (b.side().equals("base") && c.side().equals("new") && b.round() == c.round()) {
            rounds++;
            faster += c.eventsPerSecond() > b.eventsPerSecond() ? 1 : 0;
          }
        }
      }
      s.append(String.format(Locale.ROOT, "%nnew ÷ base, medians: events/s %.2f, CPU per event %.2f. The ranges of"
              + " events/s %s. New was faster than base in %d of %d rounds.%n",
          median(newRate) / median(baseRate),
          median(cpu(runs, "new")) / median(cpu(runs, "base")),
          apart ? "do not overlap" : "overlap: the difference is within what separates runs of one side",
          faster, rounds));
    }
    return s.toString();
  }

  private static double[] rates(List<Run> runs, String side) {
    return runs.stream().filter(r -> r.side().equals(side)).mapToDouble(Run::eventsPerSecond).toArray();
  }

  private static double[] cpu(List<Run> runs, String side) {
    return runs.stream().filter(r -> r.side().equals(side)).mapToDouble(Run::cpuPerMillion).toArray();
  }

  private static String summary(double[] values, String format) {
    String median = String.format(Locale.ROOT, format, median(values));
    return values.length == 1 ? median : median + " (" + String.format(Locale.ROOT, format, min(values)) + "–"
        + String.format(Locale.ROOT, format, max(values)) + ")";
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  private static double min(double[] values) {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  private static double max(double[] values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }
}
