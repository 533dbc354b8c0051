package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ResultsPageTest {

  private static int keyGroupOf(String key) {
    return Math.floorMod(key.hashCode(), 8);
  }

  private static List<WindowResult> results() {
    List<WindowResult> all = new ArrayList<>();
    for (int k = 0; k < 13; k++) {
      for (int w = 0; w < 4; w++) {
        all.add(new WindowResult("key\n" + k, w * 1000L, w * 1000L + 1000, Map.of("n", k * 10 + w)));
      }
    }
    Collections.shuffle(all, new Random(3));
    return all;
  }

  @Test
  void pagingThroughWithLimitSevenGivesEveryResultOnceInKeyGroupKeyWindowOrder() {
    List<WindowResult> all = results();
    List<WindowResult> seen = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      ResultsPage.Page page = ResultsPage.parse("7", after).of(all, ResultsPageTest::keyGroupOf);
      assertThat(page.results()).hasSizeLessThanOrEqualTo(7);
      seen.addAll(page.results());
      after = page.next();
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo((all.size() + 6) / 7);
    assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);
    assertThat(seen).isSortedAccordingTo(java.util.Comparator.<WindowResult>comparingInt(r -> keyGroupOf(r.key()))
        .thenComparing(WindowResult::key).thenComparingLong(WindowResult::windowStart));
  }

  @Test
  void aPageStartsAfterItsTokenEvenWhenResultsWereAddedInBetween() {
    List<WindowResult> all = results();
    ResultsPage.Page first = ResultsPage.parse("5", null).of(all, ResultsPageTest::keyGroupOf);
    List<WindowResult> grown = new ArrayList<>(all);
    grown.add(new WindowResult("aaa", 0, 1000, Map.of("n", 1)));
    ResultsPage.Page second = ResultsPage.parse("5", first.next()).of(grown, ResultsPageTest::keyGroupOf);
    assertThat(second.results()).doesNotContainAnyElementsOf(first.results());
  }

  @Test
  void withoutLimitOrAfterTheQueryIsUnpaged() {
    assertThat(ResultsPage.parse(null, null)).isNull();
  }

  @Test
  void badLimitsAndTokensAreRefused() {
    for (String limit : new String[] {"0", "-3", "x", "10001", ""}) {
      assertThatThrownBy(() -> ResultsPage.parse(limit, null)).as(limit).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("limit");
    }
    String notV1 = java.util.Base64.getUrlEncoder().encodeToString("v2\n1\n2\nk".getBytes());
    for (String token : new String[] {"!!", "", notV1, "djEKeAo"}) {
      assertThatThrownBy(() -> ResultsPage.parse("5", token)).as(token).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("continuation token");
    }
  }
}
