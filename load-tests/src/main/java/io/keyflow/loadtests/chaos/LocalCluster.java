package io.keyflow.loadtests.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local cluster a chaos scenario runs on, driven only through {@code bin/keyflow}, signals to the
 * PIDs it recorded in {@code run/}, iptables rules on {@code lo} and the public HTTP API. Closing it
 * resumes paused processes, removes every iptables rule and stops everything.
 */
final class LocalCluster implements AutoCloseable {

  private static final int JOIN_ATTEMPTS = 3;

  static final String NODE_MAIN = "io.keyflow.node.Main";
  static final String CASSANDRA_MAIN = "org.apache.cassandra.service.CassandraDaemon";

  private final Path home;
  private final int size;
  private final Path pipelines;
  private final List<String> clusterArgs;
  private final Map<String, String> environment;
  private final Set<Long> paused = ConcurrentHashMap.newKeySet();
  private final Set<Process> running = ConcurrentHashMap.newKeySet();
  private final AtomicInteger joinRetries = new AtomicInteger();
  final LinkCutter links = new LinkCutter();
  private final MembershipWatch membership;

  LocalCluster(Path home, int size, Path pipelines, List<String> clusterArgs) {
    this(home, size, pipelines, clusterArgs, Map.of());
  }

  /** @param environment added to the environment of every {@code bin/keyflow} this cluster runs */
  LocalCluster(Path home, int size, Path pipelines, List<String> clusterArgs, Map<String, String> environment) {
    this.home = home;
    this.size = size;
    this.pipelines = pipelines;
    this.clusterArgs = List.copyOf(clusterArgs);
    this.environment = Map.copyOf(environment);
    this.membership = new MembershipWatch(size);
  }

  int size() {
    return size;
  }

  static String host(int n) {
    return "127.0.0." + (n + 1);
  }

  static String url(int n) {
    return "http://" + host(n) + ":8080";
  }

  List<String> urls() {
    List<String> urls = new ArrayList<>();
    for (int n = 1; n <= size; n++) {
      urls.add(url(n));
    }
    return urls;
  }

  /** Starts Cassandra and the nodes (once more after a failed start); the number of retries, or -1. */
  int start() throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("cluster", Integer.toString(size), "--pipelines", pipelines.toString()));
    args.addAll(clusterArgs);
    if (keyflow(args.toArray(String[]::new)) == 0) {
      return 0;
    }
    System.out.println("chaos: the cluster did not form; stopping it and starting once more");
    keyflow("stop");
    return keyflow(args.toArray(String[]::new)) == 0 ? 1 : -1;
  }

  /** Starts what is not running (Cassandra after its kill) and waits until all nodes are ready. */
  boolean restartMissing() {
    List<String> args = new ArrayList<>(List.of("cluster", Integer.toString(size), "--pipelines", pipelines.toString()));
    // The same store as at the start (a replicated one stays replicated).
    int store = clusterArgs.indexOf("--cassandra");
    if (store >= 0) {
      args.addAll(clusterArgs.subList(store, store + 2));
    }
    return keyflowQuietly(args.toArray(String[]::new)) == 0;
  }

  /**
   * Starts node n and waits until it is ready. A new JVM starved on a busy machine can be downed
   * while it joins and then exits by itself (exit-jvm): it is started again, up to
   * {@value #JOIN_ATTEMPTS} times in all; {@link #joinRetries()} counts the extra starts.
   */
  boolean join(int n) {
    for (int attempt = 1; attempt <= JOIN_ATTEMPTS; attempt++) {
      if (keyflowQuietly("join", Integer.toString(n)) == 0) {
        return true;
      }
      if (attempt < JOIN_ATTEMPTS) {
        joinRetries.incrementAndGet();
        System.out.println("chaos: node-" + n + " did not become ready; starting it again");
      }
    }
    return false;
  }

  int joinRetries() {
    return joinRetries.get();
  }

  boolean leave(int n) {
    return keyflowQuietly("leave", Integer.toString(n)) == 0;
  }

  /** The live process recorded in run/{@code name}.pid, if it really is a {@code mainClass} JVM. */
  Optional<ProcessHandle> process(String name, String mainClass) {
    try {
      long pid = Long.parseLong(Files.readString(home.resolve("run/" + name + ".pid")).strip());
      return ProcessHandle.of(pid).filter(p -> p.info().commandLine().orElse("").contains(mainClass));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Whether node n answers ready on its management port (every key group running). */
  boolean ready(int n) {
    return membership.ready(n);
  }

  Optional<ProcessHandle> node(int n) {
    return process("node-" + n, NODE_MAIN);
  }

  /** kill -9; true only if the process was the expected JVM and it died. */
  boolean kill(Optional<ProcessHandle> process, String what) {
    if (process.isEmpty()) {
      System.out.println("chaos: " + what + " is not running as expected; no fault injected");
      return false;
    }
    process.get().destroyForcibly();
    return waitExited(process.get(), Duration.ofSeconds(30));
  }

  boolean pause(ProcessHandle process) {
    boolean ok = signal(process.pid(), "STOP");
    if (ok) {
      paused.add(process.pid());
    }
    return ok;
  }

  boolean resume(ProcessHandle process) {
    paused.remove(process.pid());
    return signal(process.pid(), "CONT");
  }

  static boolean waitExited(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return !process.isAlive();
    }
  }

  /** Whether the takeover of node {@code n}'s key groups completed within {@code timeout}; see {@link MembershipWatch}. */
  boolean waitTakenOver(int n, Duration timeout) throws InterruptedException {
    return membership.waitTakenOver(n, timeout);
  }

  /** Lines of node n's log that contain {@code text}. */
  long logLines(int n, String text) {
    try (var lines = Files.lines(home.resolve("logs/node-" + n + ".log"))) {
      return lines.filter(l -> l.contains(text)).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    // A scenario may still be inside bin/keyflow join or leave: end those first (and what they
    // started), or they would start a node after the stop below.
    for (Process process : running) {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
    }
    running.clear();
    for (Long pid : paused) {
      signal(pid, "CONT");
    }
    paused.clear();
    links.heal();
    keyflowQuietly("stop");
  }

  private static boolean signal(long pid, String signal) {
    try {
      return new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** What {@code bin/keyflow status} prints now, and its exit code. */
  record Status(int exitCode, String screen) {

    /** Member rows that are Up and reachable. */
    long membersUp() {
      return screen.lines().filter(l -> l.matches("\\s+pekko://\\S+\\s+Up\\s+yes\\b.*")).count();
    }

    boolean settled() {
      return screen.contains("placement: settled");
    }
  }

  Status status() throws IOException, InterruptedException {
    Process process = new ProcessBuilder(home.resolve("bin/keyflow").toString(), "status").redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    String screen = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    return new Status(process.waitFor(), screen);
  }

  int keyflowQuietly(String... args) {
    try {
      return keyflow(args);
    } catch (IOException e) {
      throw new IllegalStateException("bin/keyflow " + String.join(" ", args) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  int keyflow(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/keyflow").toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).inheritIO()
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    Process process = builder.start();
    running.add(process);
    try {
      return process.waitFor();
    } finally {
      running.remove(process);
    }
  }
}
