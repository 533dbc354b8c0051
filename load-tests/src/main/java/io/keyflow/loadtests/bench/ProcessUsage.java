package io.keyflow.loadtests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU time and peak resident memory of a process on Linux, for benchmark reports: CPU from the JDK's
 * process info, peak RSS from {@code /proc/<pid>/status} (VmHWM), and the part of the CPU its JIT
 * compiler threads used ({@code /proc/<pid>/task/*}: threads named "C1/C2 CompilerThread"). Zero
 * when the process is gone or the figure is unavailable; the report says so rather than guessing.
 */
public record ProcessUsage(long pid, Duration cpu, long peakRssBytes, Duration compilerCpu) {

  public static ProcessUsage of(long pid) {
    Duration cpu = ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    double compilerShare = compilerShare(Path.of("/proc", Long.toString(pid)));
    return new ProcessUsage(pid, cpu, peakRss(pid), Duration.ofMillis(Math.round(cpu.toMillis() * compilerShare)));
  }

  /** The process whose PID bin/keyflow wrote to {@code file} (run/node-1.pid, run/cassandra.pid). */
  public static ProcessUsage ofPidFile(Path file) throws IOException {
    return of(Long.parseLong(Files.readString(file).strip()));
  }

  public static ProcessUsage self() {
    return of(ProcessHandle.current().pid());
  }

  /** CPU seconds spent since {@code earlier} (same process). */
  public double cpuSecondsSince(ProcessUsage earlier) {
    return (cpu.toMillis() - earlier.cpu.toMillis()) / 1000.0;
  }

  /** CPU seconds its JIT compiler threads spent since {@code earlier} (same process). */
  public double compilerCpuSecondsSince(ProcessUsage earlier) {
    return (compilerCpu.toMillis() - earlier.compilerCpu.toMillis()) / 1000.0;
  }

  /**
   * What a group of processes used since {@code before}: their CPU seconds together (of which their
   * JIT compilers' seconds), their largest peak RSS.
   */
  public record Group(double cpuSeconds, double largestPeakRssMiB, double compilerCpuSeconds) {

    public static Group since(java.util.List<ProcessUsage> before) {
      double cpu = 0;
      double rss = 0;
      double compiler = 0;
      for (ProcessUsage earlier : before) {
        ProcessUsage now = of(earlier.pid());
        cpu += now.cpuSecondsSince(earlier);
        compiler += now.compilerCpuSecondsSince(earlier);
        rss = Math.max(rss, now.peakRssMiB());
      }
      return new Group(cpu, rss, compiler);
    }
  }

  /**
   * The share of the JIT compiler threads in the CPU of the process whose {@code /proc} directory is
   * {@code proc}: their clock ticks ({@code utime + stime} of {@code task/<tid>/stat}) over the
   * process's ({@code proc/stat}, ended threads included), so no tick length is assumed. A compiler
   * thread that ended is missed (HotSpot keeps at least one per compiler, so little is); 0 when
   * {@code proc} cannot be read.
   */
  static double compilerShare(Path proc) {
    try {
      long compiler = 0;
      try (var tasks = Files.list(proc.resolve("task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          String stat = readOrEmpty(task.resolve("stat"));
          if (isCompilerThread(stat)) {
            compiler += ticks(stat);
          }
        }
      }
      long total = ticks(Files.readString(proc.resolve("stat")));
      return total == 0 ? 0 : Math.min(1.0, (double) compiler / total);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";  // the thread ended meanwhile
    }
  }

  /** Whether a {@code stat} line is a HotSpot JIT compiler thread's ("C1 CompilerThre", "C2 CompilerThre"). */
  static boolean isCompilerThread(String stat) {
    int open = stat.indexOf('(');
    int close = stat.lastIndexOf(')');
    return open >= 0 && close > open && stat.substring(open + 1, close).matches("C[12] CompilerThre.*");
  }

  /** {@code utime + stime} of a {@code stat} line (fields 14 and 15; the name in parentheses may hold spaces). */
  static long ticks(String stat) {
    int close = stat.lastIndexOf(')');
    if (close < 0) {
      return 0;
    }
    String[] f = stat.substring(close + 2).trim().split(" +");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  public double peakRssMiB() {
    return peakRssBytes / (1024.0 * 1024.0);
  }

  private static long peakRss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or the process is gone
    }
    return 0;
  }
}
