package io.keyflow.loadtests.nexmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NexmarkGeneratorTest {

  private static final NexmarkGenerator GENERATOR = new NexmarkGenerator(NexmarkConfig.defaults(7));

  @Test
  void theSameSeedGivesTheSameEventsAndAnotherSeedOthers() {
    List<NexmarkEvent> a = GENERATOR.events(0, 5_000);
    assertThat(new NexmarkGenerator(NexmarkConfig.defaults(7)).events(0, 5_000)).isEqualTo(a);
    assertThat(new NexmarkGenerator(NexmarkConfig.defaults(8)).events(0, 5_000)).isNotEqualTo(a);
  }

  @Test
  void anyRangeIsTheSameAsTheWholeStream() {
    List<NexmarkEvent> all = GENERATOR.events(0, 1_000);
    assertThat(GENERATOR.events(437, 100)).isEqualTo(all.subList(437, 537));
    assertThat(GENERATOR.event(999)).isEqualTo(all.get(999));
  }

  @Test
  void everyPeriodOfFiftyHasOnePersonThreeAuctionsAndFortySixBids() {
    List<NexmarkEvent> events = GENERATOR.events(0, 50_000);
    for (int p = 0; p < events.size() / 50; p++) {
      List<NexmarkEvent> period = events.subList(p * 50, p * 50 + 50);
      assertThat(period.get(0).type()).isEqualTo("person");
      assertThat(period.subList(1, 4)).allMatch(e -> e.type().equals("auction"));
      assertThat(period.subList(4, 50)).allMatch(e -> e.type().equals("bid"));
    }
  }

  @Test
  void eventTimeFollowsTheRateAndJitterOnlyMovesItBackWithinTheBound() {
    NexmarkConfig config = new NexmarkConfig(3, 1_000_000, 4_000, 0);
    List<NexmarkEvent> ordered = new NexmarkGenerator(config).events(0, 10_000);
    List<NexmarkEvent> jittered = new NexmarkGenerator(config.withJitter(700)).events(0, 10_000);
    long movedBack = 0;
    for (int n = 0; n < ordered.size(); n++) {
      assertThat(ordered.get(n).ts()).isEqualTo(1_000_000 + n / 4);
      long back = ordered.get(n).ts() - jittered.get(n).ts();
      assertThat(back).isBetween(0L, 700L);
      movedBack += back > 0 ? 1 : 0;
      Map<String, Object> same = new HashMap<>(jittered.get(n).fields());
      same.put("ts", ordered.get(n).ts());
      if (ordered.get(n).type().equals("auction")) {
        same.put("expires", (Long) same.get("expires") + back);
      }
      assertThat(same).isEqualTo(ordered.get(n).fields());
    }
    assertThat(movedBack).isGreaterThan(9_000);
  }

  @Test
  void idsPricesCategoriesAndExpiriesStayInTheReferenceRanges() {
    List<NexmarkEvent> events = GENERATOR.events(0, 100_000);
    long persons = 0;
    long auctions = 0;
    for (NexmarkEvent e : events) {
      switch (e.type()) {
        case "person" -> assertThat(e.longField("id")).isEqualTo(1000 + persons++);
        case "auction" -> {
          assertThat(e.longField("id")).isEqualTo(1000 + auctions++);
          assertThat(e.longField("category")).isBetween(10L, 14L);
          assertThat(e.longField("seller")).isBetween(1000 + Math.max(0, persons - 1000), 1000 + persons - 1 + 10);
          assertThat(e.longField("initialBid")).isBetween(100L, 100_000_000L);
          // At 10,000 events/s, 100 more auctions take 1,666 events: auctions last up to twice 166 ms.
          assertThat(e.longField("expires") - e.ts()).isBetween(1L, 2 * 167L);
        }
        default -> {
          long lastAuction = 1000 + auctions - 1;
          assertThat(e.longField("auction")).isBetween(Math.max(1000, lastAuction - 100), lastAuction + 10);
          assertThat(e.longField("bidder")).isBetween(1000 + Math.max(0, persons - 1000), 1000 + persons - 1 + 10);
          assertThat(e.longField("price")).isBetween(100L, 100_000_000L);
        }
      }
    }
    assertThat(persons).isEqualTo(2_000);
    assertThat(auctions).isEqualTo(6_000);
  }

  @Test
  void hotAuctionsBiddersAndSellersTakeTheReferenceShares() {
    List<NexmarkEvent> events = GENERATOR.events(0, 200_000);
    long bids = 0;
    long hotAuction = 0;
    long hotBidder = 0;
    long auctions = 0;
    long hotSeller = 0;
    for (NexmarkEvent e : events) {
      long lastPerson = NexmarkGenerator.lastPerson(e.number());
      if (e.type().equals("bid")) {
        bids++;
        long hot = NexmarkGenerator.lastAuction(e.number()) / 100 * 100 + 1000;
        hotAuction += e.longField("auction") == hot ? 1 : 0;
        hotBidder += e.longField("bidder") == lastPerson / 100 * 100 + 1 + 1000 ? 1 : 0;
      } else if (e.type().equals("auction")) {
        auctions++;
        hotSeller += e.longField("seller") == lastPerson / 100 * 100 + 1000 ? 1 : 0;
      }
    }
    // Hot with probability 1 − 1/ratio, plus the few random picks that land on the hot id.
    assertThat((double) hotAuction / bids).isBetween(0.495, 0.515);
    assertThat((double) hotBidder / bids).isBetween(0.745, 0.76);
    assertThat((double) hotSeller / auctions).isBetween(0.735, 0.77);
  }

  @Test
  void badConfigurationsAreRejected() {
    assertThatThrownBy(() -> new NexmarkConfig(1, 0, 0, 0)).hasMessageContaining("events per second");
    assertThatThrownBy(() -> new NexmarkConfig(1, 0, 10, -1)).hasMessageContaining("jitter");
    assertThatThrownBy(() -> GENERATOR.event(-1)).hasMessageContaining("start at 0");
  }
}
