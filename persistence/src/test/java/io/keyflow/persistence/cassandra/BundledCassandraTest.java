package io.keyflow.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundledCassandraTest {

  @TempDir
  Path dir;

  @Test
  void theExcerptOfAFailedStartHasItsErrorsAndLastLinesButNothingOfEarlierStarts() throws Exception {
    Path log = dir.resolve("cassandra.log");
    Files.writeString(log, "10:00:00 ERROR [main] an error of the previous start\n10:00:01 INFO done\n");
    long offset = Files.size(log);
    StringBuilder start = new StringBuilder();
    start.append("10:01:00 INFO [main] starting\n");
    start.append("10:01:01 ERROR [main] o.a.c.s.CassandraDaemon - Exception encountered during startup\n");
    start.append("java.lang.RuntimeException: Unable to gossip with any peers\n");
    for (int i = 0; i < 20; i++) {
      start.append("\tat frame").append(i).append('\n');
    }
    Files.writeString(log, start, java.nio.file.StandardOpenOption.APPEND);

    String excerpt = BundledCassandra.logExcerpt(log, offset);

    assertThat(excerpt).contains("Exception encountered during startup", "Unable to gossip with any peers",
        "at frame19", "at frame15");
    assertThat(excerpt).doesNotContain("previous start", "starting", "at frame14");
  }

  @Test
  void aMissingLogIsSaidToBeMissing() throws Exception {
    assertThat(BundledCassandra.logExcerpt(dir.resolve("absent.log"), 0)).contains("no log at");
  }
}
