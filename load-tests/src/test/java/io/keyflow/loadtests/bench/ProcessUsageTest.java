package io.keyflow.loadtests.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessUsageTest {

  /** A {@code stat} line of thread {@code name} with {@code utime} and {@code stime} clock ticks. */
  private static String stat(String name, long utime, long stime) {
    return "4242 (" + name + ") S 1 4242 4242 0 -1 4194368 100 0 0 0 " + utime + " " + stime
        + " 0 0 20 0 42 0 12345 0 0\n";
  }

  @Test
  void ticksAreUtimePlusStimeAlsoWhenTheNameHoldsSpacesAndParentheses() {
    assertThat(ProcessUsage.ticks(stat("C2 CompilerThre", 70, 5))).isEqualTo(75);
    assertThat(ProcessUsage.ticks(stat("odd) name (x", 1, 2))).isEqualTo(3);
    assertThat(ProcessUsage.isCompilerThread(stat("C1 CompilerThre", 0, 0))).isTrue();
    assertThat(ProcessUsage.isCompilerThread(stat("C2 CompilerThre", 0, 0))).isTrue();
    assertThat(ProcessUsage.isCompilerThread(stat("GC Thread#0", 0, 0))).isFalse();
    assertThat(ProcessUsage.isCompilerThread(stat("keyflow-pekko.actor.default-dispatcher-5", 0, 0))).isFalse();
  }

  @Test
  void theCompilerShareIsTheirTicksOverTheProcesssTicks(@TempDir Path proc) throws IOException {
    thread(proc, 1, "java", 100, 20);
    thread(proc, 2, "C2 CompilerThre", 50, 10);
    thread(proc, 3, "C1 CompilerThre", 15, 5);
    thread(proc, 4, "Native-Transport-Requests-1", 80, 40);
    // The process's own line also counts threads that ended: 400 ticks in all.
    Files.writeString(proc.resolve("stat"), stat("java", 300, 100));
    assertThat(ProcessUsage.compilerShare(proc)).isEqualTo(80.0 / 400);
  }

  @Test
  void anUnreadableProcHasNoCompilerShare(@TempDir Path proc) {
    assertThat(ProcessUsage.compilerShare(proc.resolve("gone"))).isZero();
  }

  private static void thread(Path proc, int tid, String name, long utime, long stime) throws IOException {
    Path task = Files.createDirectories(proc.resolve("task").resolve(Integer.toString(tid)));
    Files.writeString(task.resolve("stat"), stat(name, utime, stime));
  }
}
