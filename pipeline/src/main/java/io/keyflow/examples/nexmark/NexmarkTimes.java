package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.WatermarkStrategy;
import java.time.Duration;

/**
 * The event-time settings shared by the Nexmark query pipelines. Input events are the generator's
 * {@code {"type": "bid", "auction": 1000, "bidder": 1001, "price": 4200, "ts": ...}}; a client may
 * send them up to {@link #INPUT_OUT_OF_ORDERNESS} out of order (strictly less, so no record is late).
 */
public final class NexmarkTimes {

  /** Max out-of-orderness of the generated events the first stage of every query accepts. */
  public static final Duration INPUT_OUT_OF_ORDERNESS = Duration.ofSeconds(2);

  /**
   * Max out-of-orderness of a second stage's input: the first stage's key groups fire on their own
   * watermarks, so results reach the second stage somewhat out of order even for ordered input.
   */
  public static final Duration STAGE_OUT_OF_ORDERNESS = Duration.ofSeconds(10);

  /** Window size of q0, q4 (closing time), q5 (sliding size) and q7. */
  public static final Duration WINDOW = Duration.ofSeconds(10);

  private NexmarkTimes() {}

  static WatermarkStrategy input() {
    return WatermarkStrategy.boundedOutOfOrderness(INPUT_OUT_OF_ORDERNESS);
  }

  static WatermarkStrategy stage() {
    return WatermarkStrategy.boundedOutOfOrderness(STAGE_OUT_OF_ORDERNESS);
  }
}
