package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.TumblingEventTimeWindows;

/**
 * Nexmark q4, average closing price per category, in two stages. Stage {@code main}, keyed by auction
 * id ({@link AuctionCloser}): each auction's final price — its highest bid between its start and its
 * expiry — emitted at the expiry as {@code {"auction", "category", "price", "expires"}}. Stage
 * {@code avg}, keyed by {@code category}: the average final price of the auctions that closed in each
 * 10 s tumbling window of closing time, {@code {"avg_price": 1234.5, "auctions": 3}}. Input: auctions
 * and bids.
 *
 * <p>Nexmark's q4 is a running average per category, updated at every closing; the order in which
 * closings from different key groups reach the second stage is not fixed, so a running value would
 * differ between runs. Windows of closing time give the same answer on every run and on every node count.
 *
 * <p>Deploy: {@code keyflow.pipelines.nexmark-q4.class = "io.keyflow.examples.nexmark.AveragePriceByCategory"}.
 */
public final class AveragePriceByCategory implements PipelineProvider {

  public static final String NAME = "nexmark-q4";

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy(AuctionCloser::auctionOf)
        .eventTime("ts", NexmarkTimes.input())
        .process(new AuctionCloser())
        .then("avg")
        .keyBy("category")
        .eventTime("ts", NexmarkTimes.stage())
        .window(TumblingEventTimeWindows.of(NexmarkTimes.WINDOW))
        .aggregate(Aggregations.none().avg("avg_price", "price").andCount("auctions"));
  }

  @Override
  public Pipeline pipeline() {
    return build(NAME);
  }
}
