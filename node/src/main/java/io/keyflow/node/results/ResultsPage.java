package io.keyflow.node.results;

import io.keyflow.persistence.results.ResultsPager.Position;
import io.keyflow.persistence.results.ResultsPager;
import io.keyflow.pipeline.WindowResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Paging of a results query ({@code ?limit=N&after=token}): results in the stable storage order (key
 * group, key, window start); a page holds at most {@code limit} results, and the continuation token
 * names the position of its last one, so the next page starts strictly after it whatever was written
 * in between. The token is opaque to clients: unpadded base64url of {@code v1\n<kg>\n<window_start>\n<key>}.
 */
public record ResultsPage(int limit, Position after) {

  static final int MAX_LIMIT = 10_000;

  /** The continuation token of a position: opaque to clients. */
  static String token(Position at) {
    String text = "v1\n" + at.keyGroup() + "\n" + at.windowStart() + "\n" + at.key();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** @throws IllegalArgumentException if {@code token} was not written by {@link #token} */
  static Position ofToken(String token) {
    String text;
    try {
      text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("after is not a continuation token");
    }
    String[] parts = text.split("\n", 4);
    try {
      if (parts.length != 4 || !parts[0].equals("v1")) {
        throw new NumberFormatException();
      }
      int kg = Integer.parseInt(parts[1]);
      if (kg < 0) {
        throw new NumberFormatException();
      }
      return new Position(kg, parts[3], Long.parseLong(parts[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("after is not a continuation token");
    }
  }

  /**
   * The paging of a request, or null when it has neither {@code limit} nor {@code after} (unpaged).
   *
   * @throws IllegalArgumentException on a bad limit or token
   */
  public static ResultsPage parse(String limit, String after) {
    if (limit == null && after == null) {
      return null;
    }
    int n;
    try {
      n = limit == null ? MAX_LIMIT : Integer.parseInt(limit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("limit must be an integer from 1 to " + MAX_LIMIT);
    }
    if (n < 1 || n > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be an integer from 1 to " + MAX_LIMIT);
    }
    return new ResultsPage(n, after == null ? null : ofToken(after));
  }

  /** One page: its results and the token of the next page (null: this is the last). */
  public record Page(List<WindowResult> results, String next) {}

  /** Reads {@code limit + 1} results after the position: the extra one tells whether a next page exists. */
  public CompletionStage<Page> read(ResultsPager pager, ResultsPager.Query query) {
    return pager.page(query, after, limit + 1).thenApply(found -> {
      List<WindowResult> results = new ArrayList<>(Math.min(limit, found.size()));
      for (int i = 0; i < found.size() && i < limit; i++) {
        results.add(found.get(i).result());
      }
      return new Page(results, found.size() > limit ? token(found.get(limit - 1).at()) : null);
    });
  }
}
