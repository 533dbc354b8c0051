package io.keyflow.node;

import io.keyflow.pipeline.WindowResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Paging of a results query ({@code ?limit=N&after=token}): results in the stable order (key group,
 * key, window start); a page holds at most {@code limit} results, and the continuation token names
 * the position of its last one, so the next page starts strictly after it whatever was written in
 * between. The token is opaque to clients: unpadded base64url of {@code v1\n<kg>\n<window_start>\n<key>}.
 */
record ResultsPage(int limit, Position after) {

  static final int MAX_LIMIT = 10_000;

  /** A position in the order (key group, key, window start). */
  record Position(int keyGroup, String key, long windowStart) implements Comparable<Position> {
    private static final Comparator<Position> ORDER = Comparator.comparingInt(Position::keyGroup)
        .thenComparing(Position::key).thenComparingLong(Position::windowStart);

    @Override
    public int compareTo(Position o) {
      return ORDER.compare(this, o);
    }

    String token() {
      String text = "v1\n" + keyGroup + "\n" + windowStart + "\n" + key;
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
  }

  /** One page: its results and the token of the next page (null: this is the last). */
  record Page(List<WindowResult> results, String next) {}

  /**
   * The paging of a request, or null when it has neither {@code limit} nor {@code after} (unpaged).
   *
   * @throws IllegalArgumentException on a bad limit or token
   */
  static ResultsPage parse(String limit, String after) {
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
    return new ResultsPage(n, after == null ? null : Position.ofToken(after));
  }

  /** The page of {@code all} (any order) that follows {@link #after}. */
  Page of(List<WindowResult> all, ToIntFunction<String> keyGroupOf) {
    List<Positioned> ordered = new ArrayList<>(all.size());
    for (WindowResult r : all) {
      Position at = new Position(keyGroupOf.applyAsInt(r.key()), r.key(), r.windowStart());
      if (after == null || at.compareTo(after) > 0) {
        ordered.add(new Positioned(at, r));
      }
    }
    ordered.sort(Comparator.comparing(Positioned::at));
    List<WindowResult> page = new ArrayList<>(Math.min(limit, ordered.size()));
    for (int i = 0; i < ordered.size() && i < limit; i++) {
      page.add(ordered.get(i).result());
    }
    String next = ordered.size() > limit ? ordered.get(limit - 1).at().token() : null;
    return new Page(page, next);
  }

  private record Positioned(Position at, WindowResult result) {}
}
