package io.keyflow.persistence.cassandra;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default store: Apache Cassandra 5 as a child JVM, from {@code cassandra-all} jars
 * resolved by Maven, on loopback only, with {@code commitlog_sync: batch} so an acknowledged write
 * survives kill -9 (periodic sync lost acknowledged writes in our measurements).
 *
 * <p>The Cassandra JVM is detached (own session, output to a log file): killing the node that
 * started it never touches it. Starting is done under a file lock, so nodes started together
 * start one Cassandra, and a running one is reused. A replicated store (docs/replication.md) is
 * several such JVMs on their own loopback addresses, started one after the other.
 */
public final class BundledCassandra {

  private static final Logger log = LoggerFactory.getLogger(BundledCassandra.class);

  /** From Cassandra's own conf/jvm17-server.options (JPMS and Netty flags) plus G1 as there. */
  private static final List<String> JVM17_OPTIONS = List.of(
      "-XX:+UseG1GC", "-XX:+ParallelRefProcEnabled", "-XX:MaxTenuringThreshold=1",
      "-XX:G1HeapRegionSize=16m", "-XX:G1RSetUpdatingPauseTimePercent=5", "-XX:MaxGCPauseMillis=300",
      "-XX:InitiatingHeapOccupancyPercent=70",
      "-Djdk.attach.allowAttachSelf=true",
      "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
      "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.base/java.io=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/java.util=ALL-UNNAMED",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11");

  /** How often {@link #ensureRunning()} starts a node that exits before answering CQL. */
  static final int START_ATTEMPTS = 3;

  private final BundledCassandraSettings settings;

  public BundledCassandra(BundledCassandraSettings settings) {
    this.settings = settings;
  }

  /** Whether something answers on the CQL port of every node of the store. */
  public boolean isAnswering() {
    return settings.members().stream().allMatch(this::isAnswering);
  }

  /** Whether something answers on the CQL port of {@code member}. */
  public boolean isAnswering(BundledCassandraSettings.Member member) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(member.host(), settings.nativePort()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Starts every node of the bundled store that does not answer yet, detached, one after the
   * other: each answers CQL before the next starts (Cassandra lets one node join the ring at a
   * time). Returns the PIDs of the nodes it started (empty when all were running).
   */
  public List<Long> ensureRunning() {
    try {
      Files.createDirectories(settings.dataDir().getParent());
      Path lockFile = settings.dataDir().resolveSibling(settings.dataDir().getFileName() + ".lock");
      try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
           FileLock lock = channel.lock()) {
        List<Long> started = new ArrayList<>();
        for (BundledCassandraSettings.Member member : settings.members()) {
          if (isAnswering(member)) {
            log.info("bundled {} already answers on {}:{}", member.name(), member.host(), settings.nativePort());
            continue;
          }
          started.add(startWithRetries(member));
        }
        return started;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts {@code member} and waits for CQL, starting it again (up to {@link #START_ATTEMPTS} in
   * all) when it exits before answering. A restarted node that is not a seed gives up after one
   * unanswered gossip round of twice the ring delay ("Unable to gossip with any peers"), which a
   * loaded seed can miss; a supervisor restarts it, and so does this launcher. An exit that
   * repeats is reported with the lines of the node's log that say why.
   */
  private long startWithRetries(BundledCassandraSettings.Member member) throws IOException {
    for (int attempt = 1; ; attempt++) {
      long logOffset = Files.exists(member.logFile()) ? Files.size(member.logFile()) : 0;
      long startedNanos = System.nanoTime();
      Process process = startDetached(member);
      if (awaitCql(member, process, startedNanos)) {
        return process.pid();
      }
      String why = logExcerpt(member.logFile(), logOffset);
      if (attempt >= START_ATTEMPTS) {
        throw new IllegalStateException("bundled " + member.name() + " exited with " + process.exitValue()
            + " before answering, " + attempt + " times; see " + member.logFile() + "; the last time it said:\n" + why);
      }
      log.warn("bundled {} exited with {} before answering (attempt {} of {}); starting it again. It said:\n{}",
          member.name(), process.exitValue(), attempt, START_ATTEMPTS, why);
    }
  }

  /** The error lines, and the last lines, that a start of a node wrote to its log from {@code offset}. */
  static String logExcerpt(Path logFile, long offset) throws IOException {
    if (!Files.exists(logFile)) {
      return "(no log at " + logFile + ")";
    }
    String text;
    try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
      long size = channel.size();
      long from = Math.min(offset, size);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(size - from, 1 << 20));
      channel.read(buffer, Math.max(from, size - buffer.capacity()));
      text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }
    List<String> lines = text.lines().toList();
    List<String> picked = new ArrayList<>(lines.stream()
        .filter(l -> l.contains("ERROR") || l.contains("Exception") || l.contains("Unable to"))
        .limit(10).toList());
    for (String line : lines.subList(Math.max(0, lines.size() - 5), lines.size())) {
      if (!picked.contains(line)) {
        picked.add(line);
      }
    }
    return String.join("\n", picked);
  }

  private Process startDetached(BundledCassandraSettings.Member member) throws IOException {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(command(member));
    Files.createDirectories(member.logFile().getParent());
    Files.createDirectories(settings.runDir());
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(member.logFile().toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    Files.writeString(member.pidFile(), process.pid() + "\n");
    log.info("starting bundled {} on {} (pid {}), data in {}, log in {}",
        member.name(), member.host(), process.pid(), member.dataDir(), member.logFile());
    return process;
  }

  /** Waits until {@code member} answers CQL (true) or its process exits first (false). */
  private boolean awaitCql(BundledCassandraSettings.Member member, Process process, long startedNanos) {
    long deadline = startedNanos + settings.startTimeout().toNanos();
    while (!isAnswering(member)) {
      if (!process.isAlive()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("bundled " + member.name() + " did not answer on " + member.host() + ":"
            + settings.nativePort() + " within " + settings.startTimeout() + "; see " + member.logFile());
      }
      sleepQuietly(200);
    }
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    log.info("bundled {} ready on {}:{} in {} s", member.name(), member.host(), settings.nativePort(),
        String.format("%.1f", seconds));
    return true;
  }

  /** The full command line of the Cassandra JVM of {@code member}; writes its config files first. */
  public List<String> command(BundledCassandraSettings.Member member) throws IOException {
    ensureLibraries();
    Path conf = member.dataDir().resolve("conf");
    Files.createDirectories(conf);
    Path yaml = conf.resolve("cassandra.yaml");
    Files.writeString(yaml, CassandraYaml.render(settings, member));
    Path logback = conf.resolve("logback.xml");
    Files.writeString(logback, CassandraYaml.logback());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Xms" + settings.heap());
    command.add("-Xmx" + settings.heap());
    command.add("-Xss512k");
    command.addAll(JVM17_OPTIONS);
    command.add("-Dcassandra-foreground=yes");
    command.add("-Dcassandra.config=" + yaml.toUri());
    command.add("-Dcassandra.storagedir=" + member.dataDir());
    command.add("-Dcassandra.logdir=" + member.dataDir().resolve("logs"));
    command.add("-Dlogback.configurationFile=" + logback.toUri());
    command.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
    // Without this a fresh single node waits 30 s for a ring that will never grow; nodes of a
    // replicated store start one after the other, so a joining node has nobody else to wait for.
    command.add("-Dcassandra.ring_delay_ms=1000");
    command.add("-cp");
    command.add(settings.libDir() + "/*");
    command.add("org.apache.cassandra.service.CassandraDaemon");
    return command;
  }

  /** Copies cassandra-all and its dependencies from Maven into the lib dir if not there yet. */
  private void ensureLibraries() throws IOException {
    if (Files.isDirectory(settings.libDir())) {
      try (var files = Files.list(settings.libDir())) {
        if (files.anyMatch(p -> p.getFileName().toString().startsWith("cassandra-all-"))) {
          return;
        }
      }
    }
    log.info("resolving Cassandra's jars with Maven into {}", settings.libDir());
    Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", settings.pom().toString(),
        "dependency:copy-dependencies", "-DoutputDirectory=" + settings.libDir())
        .inheritIO()
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    try {
      if (!mvn.waitFor(15, TimeUnit.MINUTES) || mvn.exitValue() != 0) {
        throw new IllegalStateException("could not resolve Cassandra's jars with " + settings.pom());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while resolving Cassandra's jars", e);
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * CLI for bin/keyflow: {@code command [i]} prints the command line of node i (default: the only
   * or first node), one argument per line, for the script to exec (so the PID it records is
   * Cassandra's own); {@code start} starts every node that is not running, detached, one after the
   * other, and waits for CQL; {@code contact-points} prints them comma-separated.
   */
  public static void main(String[] args) throws IOException {
    var settings = BundledCassandraSettings.create(ConfigFactory.load());
    var cassandra = new BundledCassandra(settings);
    String verb = args.length == 0 ? "command" : args[0];
    switch (verb) {
      case "command" -> {
        int i = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        System.out.print(String.join("\n", cassandra.command(settings.members().get(i - 1))) + "\n");
      }
      case "start" -> {
        List<Long> pids = cassandra.ensureRunning();
        System.out.println(pids.isEmpty() ? "cassandra already running" : "cassandra started, pids " + pids);
      }
      case "contact-points" -> System.out.println(String.join(",", settings.contactPoints()));
      case "answering" -> System.exit(cassandra.isAnswering() ? 0 : 1);
      default -> {
        System.err.println("usage: BundledCassandra command [i]|start|contact-points|answering");
        System.exit(2);
      }
    }
    System.out.flush();
  }
}
