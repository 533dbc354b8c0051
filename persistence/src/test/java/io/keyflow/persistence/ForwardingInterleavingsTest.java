package io.keyflow.persistence;

import static io.keyflow.persistence.IdempotencyModel.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.Ticket;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.PartOutcome;
import io.keyflow.pipeline.Record;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A share of a request forwarded to its key group's owner can reach the key group by several ways
 * at once (docs/ingest.md, forwarding): the owner's gateway submits it, chunked by the owner's
 * {@code max-records-per-event}; the owner's lane sends an unanswered attempt again with the same
 * chunks; and the node that received the request, when the owner seemed gone, resends the share
 * through sharding, chunked by its own setting. This test enumerates every order in which the key
 * group's single writer can see those chunks, with a recovery (replay of its journal) after any one
 * of them, and checks the share is applied exactly once in each.
 */
class ForwardingInterleavingsTest {

  private static final long T0 = 1_767_225_600_000L;
  private static final int RECORDS = 5;

  /** One way a share travels: its chunks, in order (a lane is FIFO). */
  private record Route(String name, List<Part> chunks) {}

  @Test
  void aForwardedShareItsResentAttemptAndItsResendFromTheReceivingNodeApplyOnceInEveryOrder() {
    IdempotencyModel probe = new IdempotencyModel();
    int keyGroup = 3;
    List<Record> share = recordsOf(probe, keyGroup);

    int orders = 0;
    for (List<Integer> order : interleavings(new int[] {3, 3, 2})) {
      for (int replayAfter = -1; replayAfter < order.size(); replayAfter++) {
        IdempotencyModel model = new IdempotencyModel();
        // The request's ticket, from its home group (whichever node asked for it).
        Ticket ticket = model.new Node(0, 2_000).claim(Claim.byKey("req", "fp", 0), T0);
        List<Route> routes = List.of(
            new Route("owner's gateway", chunks(ticket, share, 2)),
            new Route("owner's resent attempt", chunks(ticket, share, 2)),
            new Route("resend from the receiving node", chunks(ticket, share, 3)));
        int[] next = new int[routes.size()];
        int applied = 0;
        for (int step = 0; step < order.size(); step++) {
          Route route = routes.get(order.get(step));
          Part chunk = route.chunks().get(next[order.get(step)]++);
          PartOutcome outcome = model.batch(keyGroup, List.of(chunk), List.of(), T0 + step).parts().get(0);
          String at = route.name() + " at step " + step + " of " + order + ", replay after " + replayAfter;
          assertThat(outcome.tooOld()).as(at).isFalse();
          assertThat(outcome.applied() + outcome.duplicates()).as(at).isEqualTo(chunk.records().size());
          applied += outcome.applied();
          if (step == replayAfter) {
            model.replay(keyGroup);
          }
        }
        assertThat(applied).as("records applied over %s, replay after %d", order, replayAfter).isEqualTo(RECORDS);
        assertThat(model.recordsApplied()).isEqualTo(RECORDS);
        model.replay(keyGroup);
        assertThat(model.recordsApplied()).as("the journal holds each record once").isEqualTo(RECORDS);
        orders++;
      }
    }
    // 8! / (3! 3! 2!) orders of the chunks, each with no replay or a replay after any of its 8 steps.
    assertThat(orders).isEqualTo(560 * 9);
  }

  /** {@link #RECORDS} records whose keys all fall into {@code keyGroup}. */
  private static List<Record> recordsOf(IdempotencyModel model, int keyGroup) {
    List<Record> records = new ArrayList<>();
    for (int i = 0; records.size() < RECORDS; i++) {
      String user = "user-" + i;
      if (model.definition.keyGroupOf(user) == keyGroup) {
        records.add(click(user, 1_000 + records.size()));
      }
    }
    return records;
  }

  /** The share as a lane sends it: chunks named by ticket and offset range within the share. */
  private static List<Part> chunks(Ticket ticket, List<Record> share, int size) {
    List<Part> chunks = new ArrayList<>();
    for (int from = 0; from < share.size(); from += size) {
      chunks.add(new Part("req", List.copyOf(share.subList(from, Math.min(share.size(), from + size))),
          ticket.source(), ticket.seq(), ticket.firstSeen(), from, share.size()));
    }
    return chunks;
  }

  /** Every merge of sequences of the given lengths that keeps each sequence's order (route indices). */
  private static List<List<Integer>> interleavings(int[] lengths) {
    List<List<Integer>> out = new ArrayList<>();
    merge(lengths.clone(), new ArrayList<>(), out);
    return out;
  }

  private static void merge(int[] left, List<Integer> prefix, List<List<Integer>> out) {
    boolean any = false;
    for (int route = 0; route < left.length; route++) {
      if (left[route] > 0) {
        any = true;
        left[route]--;
        prefix.add(route);
        merge(left, prefix, out);
        prefix.remove(prefix.size() - 1);
        left[route]++;
      }
    }
    if (!any) {
      out.add(List.copyOf(prefix));
    }
  }
}
