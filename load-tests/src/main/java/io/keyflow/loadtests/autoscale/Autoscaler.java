package io.keyflow.loadtests.autoscale;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * {@code bin/keyflow cluster N --autoscale MIN..MAX} runs this next to a local cluster: every
 * {@code --interval} it reads {@code keyflow_load_signal} from each running node's {@code /metrics},
 * feeds the mean to a {@link ScalingPolicy}, and starts the next node ({@code bin/keyflow join}) or
 * lets the highest-numbered one leave gracefully ({@code bin/keyflow leave}: its key groups move with
 * snapshot-on-hand-off first). Stops by itself after {@code --max-runtime}, or when bin/keyflow stop
 * ends it.
 */
public final class Autoscaler {

  private static final int MAX_NODES = 8;
  private static final String SIGNAL = "keyflow_load_signal";

  private final Path home;
  private final ScalingPolicy policy;
  private final int max;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private Autoscaler(Path home, ScalingPolicy policy, int max) {
    this.home = home;
    this.policy = policy;
    this.max = max;
  }

  public static void main(String[] args) throws Exception {
    Path home = Path.of(".");
    int min = 1;
    int max = 3;
    double high = 0.7;
    double low = 0.3;
    Duration interval = Duration.ofSeconds(2);
    int upAfter = 3;
    int downAfter = 10;
    int cooldown = 10;
    Duration maxRuntime = Duration.ofHours(12);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--home" -> home = Path.of(args[++i]);
        case "--range" -> {
          String[] range = args[++i].split("\\.\\.");
          if (range.length != 2) {
            throw new IllegalArgumentException("--range MIN..MAX, got " + args[i]);
          }
          min = Integer.parseInt(range[0]);
          max = Integer.parseInt(range[1]);
        }
        case "--high" -> high = Double.parseDouble(args[++i]);
        case "--low" -> low = Double.parseDouble(args[++i]);
        case "--interval" -> interval = Duration.parse("PT" + args[++i].toUpperCase());
        case "--up-after" -> upAfter = Integer.parseInt(args[++i]);
        case "--down-after" -> downAfter = Integer.parseInt(args[++i]);
        case "--cooldown" -> cooldown = Integer.parseInt(args[++i]);
        case "--max-runtime" -> maxRuntime = Duration.parse("PT" + args[++i].toUpperCase());
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (--home DIR --range MIN..MAX --high 0.7 --low 0.3 --interval 2s --up-after 3 --down-after 10"
            + " --cooldown 10 --max-runtime 12h)");
      }
    }
    if (max > MAX_NODES) {
      throw new IllegalArgumentException("at most " + MAX_NODES + " local nodes");
    }
    ScalingPolicy policy = new ScalingPolicy(min, max, high, low, upAfter, downAfter, cooldown);
    System.out.printf("autoscale: %d..%d nodes, add above %.2f for %d samples, remove below %.2f for %d samples,"
        + " every %s, cooldown %d samples%n", min, max, high, upAfter, low, downAfter, interval, cooldown);
    new Autoscaler(home.toAbsolutePath().normalize(), policy, max).run(interval, maxRuntime);
  }

  private void run(Duration interval, Duration maxRuntime) throws InterruptedException {
    long end = System.nanoTime() + maxRuntime.toNanos();
    int quietSamples = 0;
    while (System.nanoTime() < end) {
      List<Integer> nodes = runningNodes();
      OptionalDouble mean = nodes.stream().map(this::signal)
          .filter(s -> !Double.isNaN(s)).mapToDouble(Double::doubleValue).average();
      double signal = mean.orElse(Double.NaN);
      ScalingPolicy.Decision decision = policy.sample(signal, nodes.size());
      if (decision != ScalingPolicy.Decision.STAY || ++quietSamples % 10 == 0) {
        System.out.printf("autoscale: %s signal=%.2f nodes=%s %s%n", LocalTime.now().truncatedTo(ChronoUnit.SECONDS),
            signal, nodes, decision);
      }
      switch (decision) {
        case ADD_NODE -> firstFree(nodes).ifPresent(n -> keyflow("join", n));
        case REMOVE_NODE -> {
          if (nodes.size() > 1) {
            keyflow("leave", nodes.get(nodes.size() - 1));
          }
        }
        case STAY -> { }
      }
      Thread.sleep(interval.toMillis());
    }
    System.out.println("autoscale: max runtime reached; stopping (the nodes keep running)");
  }

  private Optional<Integer> firstFree(List<Integer> nodes) {
    for (int n = 1; n <= max; n++) {
      if (!nodes.contains(n)) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }

  private List<Integer> runningNodes() {
    List<Integer> nodes = new ArrayList<>();
    for (int n = 1; n <= MAX_NODES; n++) {
      try {
        long pid = Long.parseLong(Files.readString(home.resolve("run/node-" + n + ".pid")).strip());
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          nodes.add(n);
        }
      } catch (IOException | NumberFormatException e) {
        // no such node
      }
    }
    return nodes;
  }

  /** The node's load signal, or NaN when it does not answer or has none. */
  private double signal(int n) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0." + (n + 1) + ":8080/metrics"))
          .timeout(Duration.ofSeconds(2)).GET().build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? PrometheusText.firstValue(response.body(), SIGNAL) : Double.NaN;
    } catch (IOException e) {
      return Double.NaN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Double.NaN;
    }
  }

  private void keyflow(String verb, int n) {
    System.out.printf("autoscale: bin/keyflow %s %d%n", verb, n);
    try {
      Process process = new ProcessBuilder(home.resolve("bin/keyflow").toString(), verb, Integer.toString(n))
          .inheritIO().redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      int exit = process.waitFor();
      System.out.printf("autoscale: bin/keyflow %s %d exited %d%n", verb, n, exit);
    } catch (IOException e) {
      System.out.println("autoscale: bin/keyflow " + verb + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
