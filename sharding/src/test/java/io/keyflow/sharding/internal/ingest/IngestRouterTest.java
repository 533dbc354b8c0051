package io.keyflow.sharding.internal.ingest;

import static io.keyflow.sharding.internal.ingest.LaneTestKit.CLICKS;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.applyAll;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.settings;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Record;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.ShardingSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** How a request becomes shares of its key groups, and how their answers become the request's. */
class IngestRouterTest {

  // Messages serialized as between nodes, so a batch or answer that could not cross the wire fails here.
  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final ShardingSettings SETTINGS = settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static IngestRouter router(LaneTestKit lanes, ShardingSettings settings) {
    return new IngestRouter(null, settings, LaneTestKit.metrics(), Duration.ofMinutes(15), lanes.committer(settings));
  }

  /** Records of many users, so that a request reaches several key groups. */
  private static List<Record> request(int n) {
    return IntStream.range(0, n).mapToObj(i -> new Record("user-" + (i % 7), i, Map.of("i", (double) i))).toList();
  }

  private static Map<Integer, List<Record>> byKeyGroup(List<Record> records) {
    Map<Integer, List<Record>> groups = new TreeMap<>();
    records.forEach(r -> groups.computeIfAbsent(CLICKS.keyGroupOf(r.key()), kg -> new ArrayList<>()).add(r));
    return groups;
  }

  @Test
  void aRequestsRecordsGoToTheirKeyGroupsInOrderEachShareNamedByOneTicketAndItsOffsets() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    List<Record> records = request(20);
    CompletableFuture<IngestResult> done = router(lanes, SETTINGS).ingest(CLICKS, null, null, records).toCompletableFuture();
    Map<Integer, List<Record>> expected = byKeyGroup(records);
    assertThat(expected).hasSizeGreaterThan(1);
    List<String> sources = new ArrayList<>();
    expected.forEach((kg, groupRecords) -> {
      KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(kg);
      KeyGroupEntity.Part part = batch.parts().get(0);
      assertThat(part.records()).isEqualTo(groupRecords);
      assertThat(part.from()).isZero();
      assertThat(part.total()).isEqualTo(groupRecords.size());
      sources.add(part.source() + "#" + part.seq());
      applyAll(batch, kg);
    });
    assertThat(sources).allMatch(s -> s.startsWith("n/")).containsOnly(sources.get(0));
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(20, 0));
  }

  @Test
  void keylessRequestsGetSuccessiveTicketsOfThisNode() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    IngestRouter router = router(lanes, SETTINGS);
    List<Record> one = List.of(new Record("user-1", 1, Map.of()));
    int kg = CLICKS.keyGroupOf("user-1");
    router.ingest(CLICKS, null, null, one);
    KeyGroupEntity.ProcessBatch firstBatch = lanes.nextBatch(kg);
    KeyGroupEntity.Part first = firstBatch.parts().get(0);
    router.ingest(CLICKS, null, null, one);
    applyAll(firstBatch, kg); // the second waits in the lane until the first is answered
    KeyGroupEntity.Part second = lanes.nextBatch(kg).parts().get(0);
    assertThat(second.source()).isEqualTo(first.source()).startsWith("n/");
    assertThat(second.seq()).isEqualTo(first.seq() + 1);
    assertThat(second.firstSeen()).isGreaterThanOrEqualTo(first.firstSeen());
  }

  @Test
  void aKeyedRequestClaimsItsTicketAtItsHomeGroupFirstAndNamesItsSharesByIt() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    Idempotency.Claim claim = Idempotency.Claim.byKey("order-17", "fp", 0);
    int home = CLICKS.keyGroupOf(claim.homeKey());
    List<Record> records = request(10);
    CompletableFuture<IngestResult> done = router(lanes, SETTINGS).ingest(CLICKS, "order-17", claim, records)
        .toCompletableFuture();
    KeyGroupEntity.ProcessBatch claimBatch = lanes.nextBatch(home);
    assertThat(claimBatch.claims()).containsExactly(claim);
    assertThat(claimBatch.parts()).isEmpty();
    assertThat(lanes.asked).containsExactly(home);
    Idempotency.Ticket ticket = new Idempotency.Ticket(Idempotency.Verdict.SEEN, "h/" + home, 9, 1234);
    applyAll(claimBatch, home, ticket);

    byKeyGroup(records).forEach((kg, groupRecords) -> {
      KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(kg);
      assertThat(batch.parts()).singleElement().satisfies(p -> {
        assertThat(p.id()).isEqualTo("order-17");
        assertThat(List.of(p.source(), p.seq(), p.firstSeen())).containsExactly("h/" + home, 9L, 1234L);
      });
      KeyGroupEntity.Part p = batch.parts().get(0);
      // half of each share was applied by an earlier attempt
      int dup = p.records().size() / 2;
      batch.replyTo().tell(new KeyGroupEntity.BatchAccepted(kg,
          List.of(new KeyGroupEntity.PartOutcome(p.records().size() - dup, dup, false)), List.of()));
    });
    int duplicates = byKeyGroup(records).values().stream().mapToInt(g -> g.size() / 2).sum();
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(10 - duplicates, duplicates));
  }

  @Test
  void aClaimTheHomeGroupRefusesAppliesNothingAndFailsWithItsStatus() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    Idempotency.Claim claim = Idempotency.Claim.byKey("order-18", "other-body", 0);
    int home = CLICKS.keyGroupOf(claim.homeKey());
    CompletableFuture<IngestResult> done = router(lanes, SETTINGS).ingest(CLICKS, "order-18", claim, request(10))
        .toCompletableFuture();
    applyAll(lanes.nextBatch(home), home, new Idempotency.Ticket(Idempotency.Verdict.DIFFERENT_BODY, "h/" + home, 3, 1));
    assertThat(done).failsWithin(WAIT).withThrowableThat().havingRootCause()
        .isInstanceOfSatisfying(IngestRefused.class, refused -> assertThat(refused.httpStatus()).isEqualTo(422));
    assertThat(lanes.asked).containsExactly(home);
  }

  @Test
  void oneShareRefusedAsTooOldRefusesTheRequestWith409() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    List<Record> records = request(20);
    CompletableFuture<IngestResult> done = router(lanes, SETTINGS).ingest(CLICKS, null, null, records).toCompletableFuture();
    Map<Integer, List<Record>> groups = byKeyGroup(records);
    int refusing = groups.keySet().iterator().next();
    groups.forEach((kg, groupRecords) -> {
      KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(kg);
      batch.replyTo().tell(new KeyGroupEntity.BatchAccepted(kg,
          List.of(new KeyGroupEntity.PartOutcome(kg == refusing ? 0 : groupRecords.size(), 0, kg == refusing)), List.of()));
    });
    assertThat(done).failsWithin(WAIT).withThrowableThat().havingRootCause()
        .isInstanceOfSatisfying(IngestRefused.class, refused -> assertThat(refused.httpStatus()).isEqualTo(409));
  }

  @Test
  void aShareWithoutAnswerFailsTheRequestAsMaybeApplied() {
    LaneTestKit lanes = new LaneTestKit(testKit);
    ShardingSettings quick = settings(Duration.ofMillis(300), Duration.ofMillis(300), 100);
    List<Record> records = request(20);
    CompletableFuture<IngestResult> done = router(lanes, quick).ingest(CLICKS, null, null, records).toCompletableFuture();
    Map<Integer, List<Record>> groups = byKeyGroup(records);
    int silent = groups.keySet().iterator().next();
    groups.keySet().forEach(kg -> {
      KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(kg);
      if (kg != silent) {
        applyAll(batch, kg);
      }
    });
    assertThat(done).failsWithin(WAIT).withThrowableThat().havingRootCause().isNotInstanceOf(IngestRefused.class);
  }

  @Test
  void aShareIsNamedTheSameWayWhicheverNodeSubmitsItWithWhateverChunkSize() {
    Idempotency.Claim claim = Idempotency.Claim.byKey("order-19", "fp", 0);
    int home = CLICKS.keyGroupOf(claim.homeKey());
    Idempotency.Ticket ticket = new Idempotency.Ticket(Idempotency.Verdict.NEW, "h/" + home, 5, 99);
    List<Record> records = request(40);
    Map<String, Record> named2 = submitThroughNode(records, claim, ticket, 2);
    Map<String, Record> named3 = submitThroughNode(records, claim, ticket, 3);
    assertThat(named3).isEqualTo(named2).hasSize(40);
  }

  /** Every record as its key group would name it: source, seq, key group, offset of total. */
  private Map<String, Record> submitThroughNode(List<Record> records, Idempotency.Claim claim, Idempotency.Ticket ticket,
      int maxRecordsPerEvent) {
    LaneTestKit lanes = new LaneTestKit(testKit);
    CompletableFuture<IngestResult> done = router(lanes, settings(Duration.ofSeconds(30), Duration.ofSeconds(30),
        maxRecordsPerEvent)).ingest(CLICKS, "order-19", claim, records).toCompletableFuture();
    int home = CLICKS.keyGroupOf(claim.homeKey());
    applyAll(lanes.nextBatch(home), home, ticket);
    Map<String, Record> named = new HashMap<>();
    byKeyGroup(records).forEach((kg, groupRecords) -> {
      int seen = 0;
      while (seen < groupRecords.size()) {
        KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(kg);
        for (KeyGroupEntity.Part p : batch.parts()) {
          for (int i = 0; i < p.records().size(); i++) {
            named.put(p.source() + "/" + p.seq() + "/" + kg + "/" + (p.from() + i) + "of" + p.total(), p.records().get(i));
          }
          seen += p.records().size();
        }
        applyAll(batch, kg);
      }
    });
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(records.size(), 0));
    return named;
  }
}
