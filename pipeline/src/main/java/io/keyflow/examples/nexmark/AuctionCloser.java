package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.Fields;
import io.keyflow.pipeline.KeyedProcessFunction;
import io.keyflow.pipeline.ListState;
import io.keyflow.pipeline.ListStateDescriptor;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.RuntimeContext;
import io.keyflow.pipeline.ValueState;
import io.keyflow.pipeline.ValueStateDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The first stage of q4, keyed by auction id: remembers the auction's category, start and expiry,
 * tracks the highest bid with {@code start ≤ ts ≤ expires} (Nexmark's join condition), and at the
 * expiry (an event-time timer) emits {@link Closed} when the auction had a valid bid.
 *
 * <p>The generator may name an auction in a bid shortly before the auction itself arrives (ids run up
 * to ten auctions ahead), so such bids wait in {@code pending} for {@link #RETAIN_MS} of event time.
 * A closed auction leaves a marker for as long, so that bids after its close are ignored cheaply.
 */
public final class AuctionCloser extends KeyedProcessFunction<AuctionCloser.Closed> {
  private static final long serialVersionUID = 1L;

  /** How long, in event time, a bid waits for its auction and a closed auction's marker stays. */
  public static final long RETAIN_MS = 60_000;

  /** An auction's state: {@code maxPrice} is -1 while it has no valid bid. */
  public record Open(long category, long start, long expires, long maxPrice, boolean closed) {
    Open withBid(long ts, long price) {
      return ts >= start && ts <= expires && price > maxPrice
          ? new Open(category, start, expires, price, closed) : this;
    }
  }

  /** A bid that came before its auction. */
  public record PendingBid(long ts, long price) {}

  /** What a closing emits. */
  public record Closed(long auction, long category, long price, long expires) {}

  private transient ValueState<Open> auction;
  private transient ListState<PendingBid> pending;

  @Override
  public void open(RuntimeContext context) {
    auction = context.getState(new ValueStateDescriptor<>("auction", Open.class));
    pending = context.getListState(new ListStateDescriptor<>("pending", PendingBid.class));
  }

  /** The auction id of an auction or a bid event. */
  public static String auctionOf(Fields e) {
    return "auction".equals(e.string("type")) ? e.string("id") : e.string("auction");
  }

  @Override
  public void processElement(Record r, Context ctx, Collector<Closed> out) {
    Open current = auction.value();
    if ("auction".equals(r.string("type"))) {
      if (current != null) {
        return; // an auction id is generated once; a repeat (a resent event) changes nothing
      }
      Open opened = new Open(r.longValue("category"), r.ts(), r.longValue("expires"), -1, false);
      for (PendingBid b : pending.get()) {
        opened = opened.withBid(b.ts(), b.price());
      }
      pending.clear();
      auction.update(opened);
      ctx.timerService().registerEventTimeTimer(opened.expires());
      return;
    }
    if (current == null) {
      pending.add(new PendingBid(r.ts(), r.longValue("price")));
      ctx.timerService().registerEventTimeTimer(r.ts() + RETAIN_MS);
    } else if (!current.closed()) {
      auction.update(current.withBid(r.ts(), r.longValue("price")));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Closed> out) {
    Open current = auction.value();
    if (current != null && !current.closed() && timestamp == current.expires()) {
      if (current.maxPrice() >= 0) {
        out.collect(new Closed(Long.parseLong(ctx.getCurrentKey()), current.category(), current.maxPrice(),
            current.expires()));
      }
      auction.update(new Open(current.category(), current.start(), current.expires(), current.maxPrice(), true));
      ctx.timerService().registerEventTimeTimer(current.expires() + RETAIN_MS);
    } else if (current != null && current.closed() && timestamp == current.expires() + RETAIN_MS) {
      auction.clear();
    }
    List<PendingBid> kept = new ArrayList<>();
    boolean dropped = false;
    for (PendingBid b : pending.get()) {
      if (b.ts() + RETAIN_MS <= timestamp) {
        dropped = true;
      } else {
        kept.add(b);
      }
    }
    if (dropped) {
      pending.update(kept);
    }
  }
}
