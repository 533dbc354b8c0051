package io.keyflow.loadtests.nexmark;

import io.keyflow.examples.nexmark.AveragePriceByCategory;
import io.keyflow.examples.nexmark.BidderSessions;
import io.keyflow.examples.nexmark.HighestBid;
import io.keyflow.examples.nexmark.HotItems;
import io.keyflow.examples.nexmark.PassThroughCount;
import io.keyflow.pipeline.Pipeline;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The Nexmark queries Keyflow runs: each one's pipeline (from {@code io.keyflow.examples.nexmark}) and
 * the event types it reads. A query is sent only its types (a bid-only pipeline keys by
 * {@code auction}, which persons lack), and its {@code m}-th input event is a fixed event number.
 */
public enum NexmarkQuery {
  Q0(PassThroughCount.NAME, PassThroughCount::build,
      NexmarkEvent.PERSON, NexmarkEvent.AUCTION, NexmarkEvent.BID),
  Q4(AveragePriceByCategory.NAME, AveragePriceByCategory::build, NexmarkEvent.AUCTION, NexmarkEvent.BID),
  Q5(HotItems.NAME, HotItems::build, NexmarkEvent.BID),
  Q7(HighestBid.NAME, HighestBid::build, NexmarkEvent.BID),
  Q11(BidderSessions.NAME, BidderSessions::build, NexmarkEvent.BID);

  private final String pipelineName;
  private final Function<String, Pipeline> builder;
  private final Set<String> types;
  // The offsets within each period of 50 events that this query reads, ascending.
  private final int[] offsets;

  NexmarkQuery(String pipelineName, Function<String, Pipeline> builder, String... types) {
    this.pipelineName = pipelineName;
    this.builder = builder;
    this.types = Set.of(types);
    this.offsets = IntStream.range(0, NexmarkGenerator.PROPORTION_DENOMINATOR)
        .filter(o -> this.types.contains(typeAt(o))).toArray();
  }

  /** {@code q5} or {@code Q5}; anything else is an error naming the known queries. */
  public static NexmarkQuery parse(String name) {
    for (NexmarkQuery q : values()) {
      if (q.name().equalsIgnoreCase(name)) {
        return q;
      }
    }
    throw new IllegalArgumentException("unknown Nexmark query '" + name + "' (known: "
        + String.join(", ", Arrays.stream(values()).map(NexmarkQuery::id).toList()) + ")");
  }

  /** {@code q5}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The default pipeline name, as in {@code cluster-config/nexmark.conf}. */
  public String pipelineName() {
    return pipelineName;
  }

  public Pipeline pipeline() {
    return builder.apply(pipelineName);
  }

  public Set<String> types() {
    return types;
  }

  public boolean reads(NexmarkEvent e) {
    return types.contains(e.type());
  }

  /** The event number of this query's {@code m}-th input event (0-based). */
  public long eventNumber(long m) {
    return (m / offsets.length) * NexmarkGenerator.PROPORTION_DENOMINATOR + offsets[(int) (m % offsets.length)];
  }

  private static String typeAt(int offset) {
    if (offset < NexmarkGenerator.PERSON_PROPORTION) {
      return NexmarkEvent.PERSON;
    }
    return offset < NexmarkGenerator.PERSON_PROPORTION + NexmarkGenerator.AUCTION_PROPORTION
        ? NexmarkEvent.AUCTION : NexmarkEvent.BID;
  }
}
