package io.keyflow.persistence.results;

import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pages of a stage's results in the order (key group, key, window start), keys compared as Java
 * strings. Results are stored by key group and window ({@link CassandraResultsStore}), so a page reads
 * the key groups it touches, each one's windows in the time range whole (bounded by the results'
 * retention), and keeps what follows its start position; one key's page reads that key's key group.
 */
public final class ResultsPager {

  /** A position in the order (key group, key, window start). */
  public record Position(int keyGroup, String key, long windowStart) {}

  /** A result with its position. */
  public record Positioned(Position at, WindowResult result) {}

  /** What a page is taken from: one stage's results with {@code from <= window_start < to}, one key or all. */
  public record Query(String pipeline, String stage, int keyGroups, String key, int keyGroupOfKey, long from, long to) {}

  private final CassandraResultsStore store;

  public ResultsPager(CassandraResultsStore store) {
    this.store = store;
  }

  /** At most {@code limit} results strictly after {@code after} (null: from the first), in order. */
  public CompletionStage<List<Positioned>> page(Query q, Position after, int limit) {
    List<Positioned> page = new ArrayList<>();
    if (q.key() != null) {
      return store.resultsOfKey(q.pipeline(), q.stage(), q.keyGroupOfKey(), q.key(), q.from(), q.to())
          .thenApply(results -> take(q.keyGroupOfKey(), results, after, limit, page));
    }
    return fill(q, after == null ? 0 : after.keyGroup(), after, limit, page);
  }

  /** Reads key group {@code kg} and keeps what follows {@code after} until the page is full, then the next. */
  private CompletionStage<List<Positioned>> fill(Query q, int kg, Position after, int limit, List<Positioned> page) {
    if (page.size() >= limit || kg >= q.keyGroups()) {
      return CompletableFuture.completedFuture(page);
    }
    return store.resultsOfGroup(q.pipeline(), q.stage(), kg, q.from(), q.to())
        .thenCompose(results -> fill(q, kg + 1, after, limit, take(kg, results, after, limit, page)));
  }

  /** Adds those of key group {@code kg}'s {@code results} (in order) after {@code after} until {@code limit}. */
  private static List<Positioned> take(int kg, List<WindowResult> results, Position after, int limit,
      List<Positioned> page) {
    for (WindowResult r : results) {
      if (page.size() >= limit) {
        break;
      }
      Position at = new Position(kg, r.key(), r.windowStart());
      if (after == null || follows(at, after)) {
        page.add(new Positioned(at, r));
      }
    }
    return page;
  }

  private static boolean follows(Position at, Position after) {
    if (at.keyGroup() != after.keyGroup()) {
      return at.keyGroup() > after.keyGroup();
    }
    int byKey = at.key().compareTo(after.key());
    return byKey > 0 || (byKey == 0 && at.windowStart() > after.windowStart());
  }
}
