package io.keyflow.loadtests.nexmark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Nexmark's event stream after the Beam/Nexmark reference generator, with our own random source:
 * event {@code n} is a pure function of the {@link NexmarkConfig} and {@code n}, so any range can be
 * generated on its own, in any order, by any thread.
 *
 * <p>Of every 50 consecutive events 1 is a person, 3 are auctions and 46 are bids (offsets 0, 1–3,
 * 4–49). Persons and auctions get the next id from 1000 on. A bid names a hot auction (the first
 * of the latest block of 100 auctions) with probability 1/2, else one of the latest 100 auctions or up
 * to 10 not yet created; a hot bidder (the second person of the latest block of 100) with probability
 * 3/4, else one of the latest 1000 persons or up to 10 ahead. An auction's seller is a hot seller
 * (first of the block) with probability 3/4. Categories are 10–14; prices are
 * {@code round(100 × 10^(6u))} cents; an auction lasts 1 ms to twice the time it takes to generate 100
 * more auctions.
 */
public final class NexmarkGenerator {

  public static final int PERSON_PROPORTION = 1;
  public static final int AUCTION_PROPORTION = 3;
  public static final int BID_PROPORTION = 46;
  public static final int PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
  public static final long FIRST_PERSON_ID = 1000;
  public static final long FIRST_AUCTION_ID = 1000;
  public static final long FIRST_CATEGORY_ID = 10;
  public static final int NUM_CATEGORIES = 5;
  /** 1 in these is not hot: P(hot) = 1 − 1/ratio (the reference's defaults). */
  public static final int HOT_AUCTION_RATIO = 2;
  public static final int HOT_SELLER_RATIO = 4;
  public static final int HOT_BIDDER_RATIO = 4;
  /** Hot auctions and persons are the first (bidders: second) of blocks of this many ids. */
  public static final int HOT_BLOCK = 100;
  public static final int NUM_IN_FLIGHT_AUCTIONS = 100;
  public static final int NUM_ACTIVE_PEOPLE = 1000;
  /** How many ids past the latest generated one a bid or an auction may name. */
  public static final int ID_LEAD = 10;

  private static final String[] STATES = {"AZ", "CA", "ID", "OR", "WA", "WY"};
  private static final String[] CITIES = {"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend",
      "Redmond", "Seattle", "Kent", "Cheyenne"};
  private static final String[] FIRST_NAMES = {"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie",
      "Sarah", "Deiter", "Walter"};
  private static final String[] LAST_NAMES = {"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith",
      "Jones", "Noris"};

  private final NexmarkConfig config;

  public NexmarkGenerator(NexmarkConfig config) {
    this.config = config;
  }

  public NexmarkConfig config() {
    return config;
  }

  /** Events {@code first .. first + count − 1}, in event-number order. */
  public List<NexmarkEvent> events(long first, int count) {
    List<NexmarkEvent> events = new ArrayList<>(count);
    for (long n = first; n < first + count; n++) {
      events.add(event(n));
    }
    return events;
  }

  /** Event number {@code n} (0-based). */
  public NexmarkEvent event(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("event numbers start at 0, got " + n);
    }
    SplittableRandom random = new SplittableRandom(mix(config.seed() ^ mix(n + 0x9E3779B97F4A7C15L)));
    // Jitter draws from a stream of its own: with and without jitter the events differ only in time.
    long back = config.jitterMs() == 0 ? 0
        : new SplittableRandom(mix(~config.seed() ^ mix(n))).nextLong(config.jitterMs() + 1);
    long ts = config.nominalTs(n) - back;
    long offset = n % PROPORTION_DENOMINATOR;
    Map<String, Object> f = new LinkedHashMap<>();
    if (offset < PERSON_PROPORTION) {
      f.put("type", NexmarkEvent.PERSON);
      f.put("id", lastPerson(n) + FIRST_PERSON_ID);
      f.put("name", pick(random, FIRST_NAMES) + " " + pick(random, LAST_NAMES));
      f.put("city", pick(random, CITIES));
      f.put("state", pick(random, STATES));
    } else if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) {
      f.put("type", NexmarkEvent.AUCTION);
      f.put("id", lastAuction(n) + FIRST_AUCTION_ID);
      long seller = random.nextInt(HOT_SELLER_RATIO) > 0
          ? (lastPerson(n) / HOT_BLOCK) * HOT_BLOCK : randomPerson(n, random);
      f.put("seller", seller + FIRST_PERSON_ID);
      f.put("category", FIRST_CATEGORY_ID + random.nextInt(NUM_CATEGORIES));
      f.put("initialBid", price(random));
      f.put("expires", ts + auctionLengthMs(n, random));
    } else {
      f.put("type", NexmarkEvent.BID);
      long auction = random.nextInt(HOT_AUCTION_RATIO) > 0
          ? (lastAuction(n) / HOT_BLOCK) * HOT_BLOCK : randomAuction(n, random);
      f.put("auction", auction + FIRST_AUCTION_ID);
      long bidder = random.nextInt(HOT_BIDDER_RATIO) > 0
          ? (lastPerson(n) / HOT_BLOCK) * HOT_BLOCK + 1 : randomPerson(n, random);
      f.put("bidder", bidder + FIRST_PERSON_ID);
      f.put("price", price(random));
    }
    f.put("ts", ts);
    return new NexmarkEvent(n, f);
  }

  /** The latest person id (base 0) at event {@code n}: the new one if {@code n} is a person. */
  public static long lastPerson(long n) {
    long period = n / PROPORTION_DENOMINATOR;
    long offset = Math.min(n % PROPORTION_DENOMINATOR, PERSON_PROPORTION - 1);
    return period * PERSON_PROPORTION + offset;
  }

  /** The latest auction id (base 0) at event {@code n}, or -1 before the first; the new one if {@code n} is an auction. */
  public static long lastAuction(long n) {
    long period = n / PROPORTION_DENOMINATOR;
    long offset = n % PROPORTION_DENOMINATOR;
    if (offset < PERSON_PROPORTION) {
      return period * AUCTION_PROPORTION - 1;
    }
    return period * AUCTION_PROPORTION + Math.min(offset - PERSON_PROPORTION, AUCTION_PROPORTION - 1);
  }

  private static long randomPerson(long n, SplittableRandom random) {
    long people = lastPerson(n) + 1;
    long active = Math.min(people, NUM_ACTIVE_PEOPLE);
    return people - active + random.nextLong(active + ID_LEAD);
  }

  private static long randomAuction(long n, SplittableRandom random) {
    long last = Math.max(lastAuction(n), 0);
    long min = Math.max(last - NUM_IN_FLIGHT_AUCTIONS, 0);
    return min + random.nextLong(last - min + 1 + ID_LEAD);
  }

  /** Uniform in [1, 2 × the time until 100 more auctions are generated]: on average that time. */
  private long auctionLengthMs(long n, SplittableRandom random) {
    long eventsAhead = (long) NUM_IN_FLIGHT_AUCTIONS * PROPORTION_DENOMINATOR / AUCTION_PROPORTION;
    long horizon = config.nominalTs(n + eventsAhead) - config.nominalTs(n);
    return 1 + random.nextLong(Math.max(2 * horizon, 1));
  }

  private static long price(SplittableRandom random) {
    return Math.round(Math.pow(10.0, random.nextDouble() * 6.0) * 100.0);
  }

  private static String pick(SplittableRandom random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  // Stafford's mix13: neighbouring event numbers must not give correlated random streams.
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
