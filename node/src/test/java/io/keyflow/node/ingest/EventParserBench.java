package io.keyflow.node.ingest;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Cost of parsing a 1,000-event NDJSON (and JSON array) body, the former tree parser against the
 * streaming one: microseconds and bytes allocated per event, on one thread after a warm-up. A
 * measurement to read, not a test: {@code java -cp <node test classpath> io.keyflow.node.ingest.EventParserBench}.
 */
public final class EventParserBench {

  private static final int EVENTS = 1_000;

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    String ndjson = IntStream.range(0, EVENTS)
        .mapToObj(i -> "{\"user\":\"user-" + (i % 977) + "\",\"ts\":" + (1767225600000L + i * 37L) + ",\"amount\":"
            + (i % 100) + "." + (i % 7) + "5,\"page\":\"/products/" + (i * 13 % 5000) + "\",\"session\":\"s-"
            + Integer.toHexString(i * 2654435761L > 0 ? i * 7919 : i) + "\",\"referrer\":null,\"mobile\":" + (i % 2 == 0) + "}")
        .collect(Collectors.joining("\n", "", "\n"));
    byte[] body = ndjson.getBytes(StandardCharsets.UTF_8);
    byte[] array = ("[" + ndjson.strip().replace("\n", ",\n") + "]").getBytes(StandardCharsets.UTF_8);
    TreeEventParser tree = new TreeEventParser(EventParserTest.SALES, 100_000, 1 << 20);
    EventParser streaming = new EventParser(EventParserTest.SALES, 100_000, 1 << 20);
    System.out.printf("body: %d events, %d bytes NDJSON (%d bytes a line); %d rounds a case%n",
        EVENTS, body.length, body.length / EVENTS, rounds);
    List<Case> cases = List.of(
        new Case("NDJSON tree (before)", () -> tree.parseNdjson(body, StandardCharsets.UTF_8).records().size()),
        new Case("NDJSON streaming (now)", () -> streaming.parseNdjson(body, StandardCharsets.UTF_8).records().size()),
        new Case("array tree (before)", () -> tree.parseJsonArray(array, StandardCharsets.UTF_8).records().size()),
        new Case("array streaming (now)", () -> streaming.parseJsonArray(array, StandardCharsets.UTF_8).records().size()));
    for (int pass = 0; pass < 2; pass++) {
      for (Case c : cases) {
        measure(c, rounds, pass == 1);
      }
    }
  }

  private record Case(String name, java.util.function.IntSupplier parse) {}

  private static void measure(Case c, int rounds, boolean report) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long sink = 0;
    for (int i = 0; i < rounds / 2; i++) {
      sink += c.parse().getAsInt();
    }
    long allocatedBefore = threads.getThreadAllocatedBytes(thread);
    long started = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      sink += c.parse().getAsInt();
    }
    long nanos = System.nanoTime() - started;
    long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
    if (sink != (long) EVENTS * (rounds + rounds / 2)) {
      throw new IllegalStateException(c.name() + " parsed " + sink + " events");
    }
    if (report) {
      double events = (double) EVENTS * rounds;
      System.out.printf("%-24s %7.3f µs/event  %6.0f bytes/event  %7.1f µs/body%n",
          c.name(), nanos / 1e3 / events, allocated / events, nanos / 1e3 / rounds);
    }
  }

  private EventParserBench() {}
}
