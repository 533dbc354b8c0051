package io.keyflow.sharding.internal.ingest;

import static io.keyflow.sharding.internal.ingest.LaneTestKit.CLICKS;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.applyAll;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.records;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.settings;
import static io.keyflow.sharding.internal.ingest.LaneTestKit.ticket;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** One lane per key group, one batch in flight: what the lanes send, and what each share's caller sees. */
class GroupCommitterTest {

  // Messages serialized as between nodes, so a batch or answer that could not cross the wire fails here.
  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final LaneTestKit lanes = new LaneTestKit(testKit);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static CompletableFuture<IngestResult> submit(GroupCommitter committer, int kg, String id, int n, boolean resend) {
    return committer.submit(CLICKS, kg, id, ticket("h/0", id.hashCode()), records(id, n), resend).toCompletableFuture();
  }

  @Test
  void sharesArrivingWhileABatchIsInFlightWaitAndLeaveTogetherAsTheNextBatch() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    CompletableFuture<IngestResult> first = submit(committer, 1, "a", 2, false);
    KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(1);
    assertThat(batch.parts()).extracting(KeyGroupEntity.Part::id).containsExactly("a");

    CompletableFuture<IngestResult> second = submit(committer, 1, "b", 1, false);
    CompletableFuture<IngestResult> third = submit(committer, 1, "c", 3, false);
    assertThat(second).isNotDone();
    applyAll(batch, 1);
    assertThat(first).succeedsWithin(WAIT).isEqualTo(new IngestResult(2, 0));

    KeyGroupEntity.ProcessBatch next = lanes.nextBatch(1);
    assertThat(next.parts()).extracting(KeyGroupEntity.Part::id).containsExactly("b", "c");
    assertThat(second).isNotDone();
    applyAll(next, 1);
    assertThat(second).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 0));
    assertThat(third).succeedsWithin(WAIT).isEqualTo(new IngestResult(3, 0));
  }

  @Test
  void aShareIsSplitIntoEventsOfAtMostMaxRecordsNamedByTheirOffsetsInTheShare() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 2));
    CompletableFuture<IngestResult> done = submit(committer, 2, "r", 5, false);
    for (int from = 0; from < 5; from += 2) {
      KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(2);
      assertThat(batch.parts()).singleElement().satisfies(p -> {
        assertThat(p.total()).isEqualTo(5);
        assertThat(p.records()).hasSizeLessThanOrEqualTo(2);
      });
      assertThat(batch.parts().get(0).from()).isEqualTo(from);
      assertThat(done).isNotDone();
      applyAll(batch, 2);
    }
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(5, 0));
  }

  @Test
  void duplicatesTheKeyGroupReportsReachTheCallerAsDuplicates() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    CompletableFuture<IngestResult> done = submit(committer, 3, "d", 3, false);
    KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(3);
    batch.replyTo().tell(new KeyGroupEntity.BatchAccepted(3, List.of(new KeyGroupEntity.PartOutcome(1, 2, false)), List.of()));
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 2));
  }

  @Test
  void aResendCountsWhatTheKeyGroupFindsAppliedAsAccepted() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    CompletableFuture<IngestResult> done = submit(committer, 3, "e", 3, true);
    KeyGroupEntity.ProcessBatch batch = lanes.nextBatch(3);
    batch.replyTo().tell(new KeyGroupEntity.BatchAccepted(3, List.of(new KeyGroupEntity.PartOutcome(1, 2, false)), List.of()));
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(3, 0));
  }

  @Test
  void anUnansweredAttemptIsSentAgainWithTheSamePartsAndItsAnswerCountsEarlierApplicationsAsAccepted() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofMillis(200), 100));
    CompletableFuture<IngestResult> done = submit(committer, 4, "f", 3, false);
    KeyGroupEntity.ProcessBatch first = lanes.nextBatch(4);
    KeyGroupEntity.ProcessBatch again = lanes.nextBatch(4);
    assertThat(again.parts()).isEqualTo(first.parts());
    // Our first attempt may have been applied: the key group's duplicates are this request's own records.
    again.replyTo().tell(new KeyGroupEntity.BatchAccepted(4, List.of(new KeyGroupEntity.PartOutcome(0, 3, false)), List.of()));
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(3, 0));
  }

  @Test
  void aMemberRemovalSendsTheAttemptInFlightAgainWithoutWaitingForItsTimeout() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(60), Duration.ofSeconds(60), 100));
    CompletableFuture<IngestResult> done = submit(committer, 5, "g", 1, false);
    KeyGroupEntity.ProcessBatch first = lanes.nextBatch(5);
    committer.resendInFlight();
    KeyGroupEntity.ProcessBatch again = lanes.nextBatch(5);
    assertThat(again.parts()).isEqualTo(first.parts());
    applyAll(first, 5); // a late answer to the first attempt completes the batch as well
    assertThat(done).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 0));
  }

  @Test
  void aBatchWithoutAnswerBeforeTheAskTimeoutFailsExactlyItsSharesAndTheLaneGoesOn() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofMillis(300), Duration.ofMillis(300), 100));
    CompletableFuture<IngestResult> lost = submit(committer, 6, "h", 1, false);
    lanes.nextBatch(6); // never answered
    CompletableFuture<IngestResult> waiting = submit(committer, 6, "i", 1, false);
    assertThat(lost).failsWithin(WAIT);
    assertThat(waiting).isNotDone();
    KeyGroupEntity.ProcessBatch next = lanes.nextBatch(6);
    assertThat(next.parts()).extracting(KeyGroupEntity.Part::id).containsExactly("i");
    applyAll(next, 6);
    assertThat(waiting).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 0));
  }

  @Test
  void aPartTheKeyGroupFindsTooOldIsRefusedWith409WhileTheOthersOfItsBatchSucceed() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    CompletableFuture<IngestResult> inFlight = submit(committer, 7, "x", 1, false);
    KeyGroupEntity.ProcessBatch first = lanes.nextBatch(7);
    CompletableFuture<IngestResult> old = submit(committer, 7, "old", 1, false);
    CompletableFuture<IngestResult> fresh = submit(committer, 7, "fresh", 1, false);
    applyAll(first, 7);
    KeyGroupEntity.ProcessBatch next = lanes.nextBatch(7);
    next.replyTo().tell(new KeyGroupEntity.BatchAccepted(7,
        List.of(new KeyGroupEntity.PartOutcome(0, 0, true), new KeyGroupEntity.PartOutcome(1, 0, false)), List.of()));
    assertThat(inFlight).succeedsWithin(WAIT);
    assertThat(fresh).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 0));
    assertThat(old).failsWithin(WAIT).withThrowableThat().havingRootCause().isInstanceOfSatisfying(IngestRefused.class,
        refused -> {
          assertThat(refused.verdict()).isEqualTo(Idempotency.Verdict.TOO_OLD);
          assertThat(refused.httpStatus()).isEqualTo(409);
        });
  }

  @Test
  void lanesOfDifferentKeyGroupsDoNotWaitForEachOther() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    submit(committer, 1, "busy", 1, false);
    lanes.nextBatch(1); // in flight, not answered
    CompletableFuture<IngestResult> other = submit(committer, 2, "other", 1, false);
    applyAll(lanes.nextBatch(2), 2);
    assertThat(other).succeedsWithin(WAIT).isEqualTo(new IngestResult(1, 0));
  }

  @Test
  void aClaimRidesInItsHomeGroupsNextBatchWithTheWaitingPartsAndGetsItsTicket() {
    GroupCommitter committer = lanes.committer(settings(Duration.ofSeconds(30), Duration.ofSeconds(30), 100));
    submit(committer, 3, "before", 1, false);
    KeyGroupEntity.ProcessBatch first = lanes.nextBatch(3);
    CompletableFuture<IngestResult> part = submit(committer, 3, "part", 2, false);
    Idempotency.Claim claim = Idempotency.Claim.byKey("k-1", "fp", 0);
    CompletableFuture<Idempotency.Ticket> ticket = committer.claim(CLICKS, 3, claim).toCompletableFuture();
    applyAll(first, 3);
    KeyGroupEntity.ProcessBatch next = lanes.nextBatch(3);
    assertThat(next.claims()).containsExactly(claim);
    assertThat(next.parts()).extracting(KeyGroupEntity.Part::id).containsExactly("part");
    Idempotency.Ticket issued = ticket("h/3", 42);
    applyAll(next, 3, issued);
    assertThat(ticket).succeedsWithin(WAIT).isEqualTo(issued);
    assertThat(part).succeedsWithin(WAIT).isEqualTo(new IngestResult(2, 0));
  }
}
