package io.keyflow.loadtests.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * CPU time and peak resident memory of a process on Linux, for benchmark reports: CPU from the JDK's
 * process info, peak RSS from {@code /proc/<pid>/status} (VmHWM). Zero when the process is gone or
 * the figure is unavailable; the report says so rather than guessing.
 */
public record ProcessUsage(long pid, Duration cpu, long peakRssBytes) {

  public static ProcessUsage of(long pid) {
    Duration cpu = ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
    return new ProcessUsage(pid, cpu, peakRss(pid));
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

  /** What a group of processes used since {@code before}: their CPU seconds together, their largest peak RSS. */
  public record Group(double cpuSeconds, double largestPeakRssMiB) {

    public static Group since(java.util.List<ProcessUsage> before) {
      double cpu = 0;
      double rss = 0;
      for (ProcessUsage earlier : before) {
        ProcessUsage now = of(earlier.pid());
        cpu += now.cpuSecondsSince(earlier);
        rss = Math.max(rss, now.peakRssMiB());
      }
      return new Group(cpu, rss);
    }
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
