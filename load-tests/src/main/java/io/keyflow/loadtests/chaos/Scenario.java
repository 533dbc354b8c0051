package io.keyflow.loadtests.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The chaos scenarios: what each injects, how it heals, and on how many nodes. A scenario's
 * {@link #run} blocks from the first fault until everything is healed and returns how many faults
 * really happened (a PID that was not the expected JVM, or a rule that could not be added, does not
 * count). The scenarios of a few lines are written out in {@link #run}; the longer ones have a
 * class of their own ({@link StaleNodeScenarios}, {@link CassandraLagScenario}, {@link AutoscaleScenario}),
 * and the steps they all share are on {@link ScenarioContext}.
 */
enum Scenario {
  KILL("kill", 3),
  KILL_BURST("kill-burst", 5),
  PAUSE("pause", 3),
  LEAVE_JOIN("leave-join", 3),
  PARTITION("partition", 3),
  PARTITION_REJECT("partition-reject", 3),
  CASSANDRA("cassandra", 3),
  CASSANDRA_NODE("cassandra-node", 3),
  CASSANDRA_LAG("cassandra-lag", 3),
  ROLLING("rolling", 3),
  MIXED("mixed", 3),
  AUTOSCALE("autoscale", 2);

  private static final Duration CASSANDRA_OUTAGE = Duration.ofSeconds(10);

  final String label;
  final int nodes;

  Scenario(String label, int nodes) {
    this.label = label;
    this.nodes = nodes;
  }

  static Optional<Scenario> named(String label) {
    for (Scenario s : values()) {
      if (s.label.equals(label)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * The nodes this scenario never faults, which the recovery probe writes through (so a probe that
   * fails means its key group is unavailable, not its entry node); every node if all may be faulted.
   */
  List<Integer> untouchedNodes() {
    int keep = switch (this) {
      case KILL, PAUSE, LEAVE_JOIN, PARTITION, PARTITION_REJECT -> nodes - 1;
      case KILL_BURST -> nodes - 2;
      default -> nodes;
    };
    return IntStream.rangeClosed(1, keep).boxed().toList();
  }

  /** Extra arguments of {@code bin/keyflow cluster} for this scenario. */
  List<String> clusterArgs() {
    return switch (this) {
      case AUTOSCALE -> List.of("--autoscale", nodes + ".." + (nodes + 1));
      // Three bundled store nodes, keyspace at RF 3 (docs/replication.md).
      case CASSANDRA_NODE, CASSANDRA_LAG -> List.of("--cassandra", "3");
      default -> List.of();
    };
  }

  /** Extra environment of {@code bin/keyflow} for this scenario. */
  Map<String, String> environment() {
    return switch (this) {
      // A store node that was down must come back stale: no hints replayed to it.
      case CASSANDRA_LAG -> Map.of("KEYFLOW_STORE_OPTS", "-Dkeyflow.cassandra.bundled.hinted-handoff=off");
      default -> Map.of();
    };
  }

  static List<String> labels() {
    return java.util.Arrays.stream(values()).map(s -> s.label).toList();
  }

  int run(ScenarioContext c) throws Exception {
    LocalCluster cluster = c.cluster();
    int last = cluster.size();
    return switch (this) {
      case KILL -> {
        c.fault("kill -9 node-" + last, last);
        int faults = cluster.kill(cluster.node(last), "node-" + last) ? 1 : 0;
        c.awaitHeal();
        c.awaitMovedBack();
        cluster.join(last);
        yield faults;
      }
      case KILL_BURST -> {
        c.fault("kill -9 node-" + last, last);
        int faults = cluster.kill(cluster.node(last), "node-" + last) ? 1 : 0;
        Thread.sleep(5_000);
        c.fault("kill -9 node-" + (last - 1), last - 1);
        faults += cluster.kill(cluster.node(last - 1), "node-" + (last - 1)) ? 1 : 0;
        c.awaitHeal();
        c.awaitMovedBack();
        cluster.join(last - 1);
        cluster.join(last);
        yield faults;
      }
      case PAUSE -> StaleNodeScenarios.pause(c, last);
      case LEAVE_JOIN -> {
        c.fault("leave node-" + last, last);
        int faults = cluster.leave(last) ? 1 : 0;
        c.awaitHeal();
        cluster.join(last);
        yield faults;
      }
      case PARTITION -> StaleNodeScenarios.partition(c, last);
      case PARTITION_REJECT -> StaleNodeScenarios.partitionReject(c, last);
      case CASSANDRA -> {
        c.fault("kill -9 cassandra");
        int faults = cluster.kill(cluster.process("cassandra", LocalCluster.CASSANDRA_MAIN), "cassandra") ? 1 : 0;
        // A 10 s outage, then the restart (which itself takes 10-20 s here): waiting for the heal point
        // as well would leave too little of the run to acknowledge anything after the outage.
        Thread.sleep(CASSANDRA_OUTAGE.toMillis());
        c.phase().set("heal");
        cluster.restartMissing();
        yield faults;
      }
      case CASSANDRA_NODE -> {
        // One of three store nodes (any, the seed included): QUORUM still has two replicas of every
        // row. It stays down until the heal point, then starts again on its data and catches up
        // (hints from the other two, then reads at QUORUM never depend on it alone).
        String victim = "cassandra-" + (1 + c.random().nextInt(3));
        c.fault("kill -9 " + victim);
        int faults = cluster.kill(cluster.process(victim, LocalCluster.CASSANDRA_MAIN), victim) ? 1 : 0;
        c.notes().put("store_node", victim);
        c.awaitHeal();
        long restart = System.nanoTime();
        boolean back = cluster.restartMissing();
        c.notes().put("store_restart_s", String.format("%.1f", (System.nanoTime() - restart) / 1e9));
        yield back ? faults : 0;
      }
      case CASSANDRA_LAG -> CassandraLagScenario.run(c, last);
      case ROLLING -> {
        int faults = 0;
        for (int n = 1; n <= last; n++) {
          c.fault("restart node-" + n, n);
          boolean left = cluster.leave(n);
          faults += left && cluster.join(n) ? 1 : 0;
        }
        yield faults;
      }
      case MIXED -> mixed(c);
      case AUTOSCALE -> AutoscaleScenario.growAndShrink(c, last + 1);
    };
  }

  /** Random faults, one after the other, each healed before the next, until the heal point. */
  private static int mixed(ScenarioContext c) throws Exception {
    List<Scenario> pool = new ArrayList<>(List.of(KILL, PAUSE, LEAVE_JOIN));
    if (LinkCutter.available()) {
      pool.add(PARTITION);
    }
    int faults = 0;
    List<String> done = new ArrayList<>();
    while (System.nanoTime() < c.healAtNanos()) {
      Scenario next = pool.get(c.random().nextInt(pool.size()));
      int n = 1 + c.random().nextInt(c.cluster().size());
      // Each fault heals right away (its own heal point is now): the next one starts from a whole cluster.
      ScenarioContext single = new ScenarioContext(c.cluster(), c.client(), c.probe(), c.phase(),
          System.nanoTime() + 10_000_000_000L, c.random(), c.notes());
      int injected = switch (next) {
        case KILL -> {
          single.fault("kill -9 node-" + n, n);
          int f = c.cluster().kill(c.cluster().node(n), "node-" + n) ? 1 : 0;
          single.awaitHeal();
          c.cluster().join(n);
          yield f;
        }
        case LEAVE_JOIN -> {
          single.fault("leave node-" + n, n);
          int f = c.cluster().leave(n) ? 1 : 0;
          single.awaitHeal();
          c.cluster().join(n);
          yield f;
        }
        case PAUSE -> StaleNodeScenarios.pause(single, n);
        default -> StaleNodeScenarios.partition(single, n);
      };
      faults += injected;
      done.add(next.label + "@" + n);
    }
    c.notes().put("sequence", String.join(",", done));
    return faults;
  }
}
