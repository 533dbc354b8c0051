package io.keyflow.loadtests.nexmark;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.examples.nexmark.NexmarkTimes;
import io.keyflow.loadtests.nexmark.NexmarkModel.Row;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Nexmark query pipeline, run in {@link PipelineTestHarness} over 20,000 generated events (all
 * stages, one key group state each, a request of 500 events at a time), gives exactly the results of
 * {@link NexmarkModel} over the same events — two seeds, in order and with up to 1.5 s of jitter —
 * and the same results when the state goes through a snapshot and a restore midway.
 */
class NexmarkQueriesTest {

  private static final int EVENTS = 20_000;
  // 200 events/s: 100 s of event time, ~1,200 auctions lasting up to ~17 s, many sessions per bidder.
  private static final long RATE = 200;

  static Stream<Arguments> streams() {
    return Stream.of(
        Arguments.of(1L, 0L), Arguments.of(1L, 1_500L), Arguments.of(42L, 0L), Arguments.of(42L, 1_500L));
  }

  @ParameterizedTest(name = "seed {0}, jitter {1} ms")
  @MethodSource("streams")
  void q0CountsEveryEventPerTypeAndWindow(long seed, long jitter) {
    check(NexmarkQuery.Q0, seed, jitter, NexmarkModel::q0, null);
  }

  @ParameterizedTest(name = "seed {0}, jitter {1} ms")
  @MethodSource("streams")
  void q4ClosesAuctionsAtExpiryAndAveragesFinalPricesPerCategory(long seed, long jitter) {
    check(NexmarkQuery.Q4, seed, jitter, NexmarkModel::q4, h -> {
      List<NexmarkEvent> events = events(seed, jitter);
      assertThat(rows(h.firstStage())).containsExactlyElementsOf(NexmarkModel.q4Closings(events));
    });
  }

  @ParameterizedTest(name = "seed {0}, jitter {1} ms")
  @MethodSource("streams")
  void q5FindsTheAuctionsWithMostBidsPerSlidingWindow(long seed, long jitter) {
    check(NexmarkQuery.Q5, seed, jitter, NexmarkModel::q5, null);
  }

  @ParameterizedTest(name = "seed {0}, jitter {1} ms")
  @MethodSource("streams")
  void q7FindsTheHighestBidPerWindow(long seed, long jitter) {
    check(NexmarkQuery.Q7, seed, jitter, NexmarkModel::q7, null);
  }

  @ParameterizedTest(name = "seed {0}, jitter {1} ms")
  @MethodSource("streams")
  void q11CountsBidsPerBidderSession(long seed, long jitter) {
    check(NexmarkQuery.Q11, seed, jitter, NexmarkModel::q11, null);
  }

  private static void check(NexmarkQuery query, long seed, long jitter, Function<List<NexmarkEvent>, List<Row>> model,
      Consumer<Outcome> more) {
    List<NexmarkEvent> events = events(seed, jitter);
    Outcome h = run(query, events, new NexmarkConfig(seed, NexmarkConfig.BASE_TIME, RATE, jitter));
    List<Row> expected = model.apply(events);
    assertThat(expected).hasSizeGreaterThan(5);
    assertThat(rows(h.results())).containsExactlyElementsOf(expected);
    if (more != null) {
      more.accept(h);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(NexmarkQuery.class)
  void aRestoredSnapshotContinuesWithTheSameResults(NexmarkQuery query) {
    List<NexmarkEvent> events = events(3, 1_000);
    NexmarkConfig config = new NexmarkConfig(3, NexmarkConfig.BASE_TIME, RATE, 1_000);
    List<Row> uninterrupted = rows(run(query, events, config, -1).results());
    assertThat(uninterrupted).isNotEmpty();
    assertThat(rows(run(query, events, config, 7).results())).containsExactlyElementsOf(uninterrupted);
  }

  static List<NexmarkEvent> events(long seed, long jitter) {
    return new NexmarkGenerator(new NexmarkConfig(seed, NexmarkConfig.BASE_TIME, RATE, jitter)).events(0, EVENTS);
  }

  /**
   * Sends the query's events 500 per request; after each request a client watermark of the nominal
   * time minus the input bound (what no later event can be below) keeps every key group of every stage
   * moving, as a source's periodic watermark would. A final watermark flushes everything.
   */
  static Outcome run(NexmarkQuery query, List<NexmarkEvent> events, NexmarkConfig config) {
    return run(query, events, config, -1);
  }

  /**
   * As {@link #run(NexmarkQuery, List, NexmarkConfig)}; after request {@code restoreAfter} (when not
   * negative) the state goes through a snapshot into a new harness — every state value and output must
   * survive the codec, as after a failover — and the results so far are carried over.
   */
  static Outcome run(NexmarkQuery query, List<NexmarkEvent> events, NexmarkConfig config, int restoreAfter) {
    PipelineTestHarness h = PipelineTestHarness.of(query.pipeline());
    List<WindowResult> before = new ArrayList<>();
    List<WindowResult> firstBefore = new ArrayList<>();
    List<NexmarkEvent> input = events.stream().filter(query::reads).toList();
    long bound = NexmarkTimes.INPUT_OUT_OF_ORDERNESS.toMillis();
    for (int i = 0; i < input.size(); i += 500) {
      List<NexmarkEvent> request = input.subList(i, Math.min(i + 500, input.size()));
      h.processElements(request.stream().map(NexmarkEvent::fields).toList());
      h.processWatermark(config.nominalTs(request.get(request.size() - 1).number()) - bound - 1);
      if (i / 500 == restoreAfter) {
        assertThat(h.lateRecordsDropped()).isZero();
        before.addAll(h.results());
        firstBefore.addAll(h.results("main"));
        h = PipelineTestHarness.restore(query.pipeline(), h.snapshot());
      }
    }
    h.processWatermark(config.nominalTs(events.get(events.size() - 1).number()) + 86_400_000L);
    assertThat(h.lateRecordsDropped()).isZero();
    assertThat(h.functionErrors()).isEmpty();
    assertThat(h.forwardErrors()).isEmpty();
    List<WindowResult> last = new ArrayList<>(before);
    last.addAll(h.results());
    List<WindowResult> first = new ArrayList<>(firstBefore);
    first.addAll(h.results("main"));
    return new Outcome(last, first);
  }

  /** The results of the last stage and of the first ({@code main}), over the whole run. */
  record Outcome(List<WindowResult> results, List<WindowResult> firstStage) {}

  static List<Row> rows(List<WindowResult> results) {
    List<Row> rows = new ArrayList<>();
    for (WindowResult r : results) {
      rows.add(new Row(r.key(), r.windowStart(), r.windowEnd(), r.values()));
    }
    return NexmarkModel.sorted(rows);
  }
}
