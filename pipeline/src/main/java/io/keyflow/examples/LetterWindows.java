package io.keyflow.examples;

import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.WatermarkStrategy;
import java.time.Duration;

/**
 * The classic windowed sample: a stream of letters {@code {"letter": "apple", "ts": 1000}}, keyed by
 * the first character, in 5 s tumbling event-time windows, processed by a
 * {@link ProcessWindowFunction} that reports how many letters arrived and which, in arrival order.
 *
 * <p>Deploy: {@code keyflow.pipelines.letters.class = "io.keyflow.examples.LetterWindows"}.
 */
public final class LetterWindows implements PipelineProvider {

  /** The result of one window of one first character. */
  public record LetterCount(String initial, long count, String letters, long windowEnd) {}

  /** Counts and lists the window's letters. */
  public static final class CountLetters extends ProcessWindowFunction<LetterCount> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context context, Iterable<Record> elements, Collector<LetterCount> out) {
      long count = 0;
      StringBuilder letters = new StringBuilder();
      for (Record r : elements) {
        count++;
        letters.append(letters.length() == 0 ? "" : ",").append(r.string("letter"));
      }
      out.collect(new LetterCount(key, count, letters.toString(), context.window().end()));
    }
  }

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy(e -> e.string("letter").substring(0, 1))
        .eventTime(e -> e.ts(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(1)))
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(5)))
        .process(new CountLetters());
  }

  @Override
  public Pipeline pipeline() {
    return build("letters");
  }
}
