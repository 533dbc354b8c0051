package io.keyflow.node.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.persistence.results.ResultsPager.Position;
import org.junit.jupiter.api.Test;

class ResultsPageTest {

  @Test
  void aContinuationTokenReadsBackAsThePositionItNames() {
    for (Position at : new Position[] {
        new Position(0, "alice", 1_767_225_600_000L),
        new Position(127, "key\nwith\nnewlines and ünïcode", Long.MIN_VALUE),
        new Position(5, "", Long.MAX_VALUE)}) {
      String token = ResultsPage.token(at);
      assertThat(token).matches("[A-Za-z0-9_-]+");
      assertThat(ResultsPage.parse("7", token)).isEqualTo(new ResultsPage(7, at));
    }
  }

  @Test
  void withoutLimitOrAfterTheQueryIsUnpagedAndAfterAloneTakesTheLargestPage() {
    assertThat(ResultsPage.parse(null, null)).isNull();
    Position at = new Position(1, "k", 5);
    assertThat(ResultsPage.parse(null, ResultsPage.token(at))).isEqualTo(new ResultsPage(ResultsPage.MAX_LIMIT, at));
  }

  @Test
  void badLimitsAndTokensAreRefused() {
    for (String limit : new String[] {"0", "-3", "x", "10001", ""}) {
      assertThatThrownBy(() -> ResultsPage.parse(limit, null)).as(limit).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("limit");
    }
    String notV1 = java.util.Base64.getUrlEncoder().encodeToString("v2\n1\n2\nk".getBytes());
    String negativeGroup = java.util.Base64.getUrlEncoder().encodeToString("v1\n-1\n2\nk".getBytes());
    for (String token : new String[] {"!!", "", notV1, negativeGroup, "djEKeAo"}) {
      assertThatThrownBy(() -> ResultsPage.parse("5", token)).as(token).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("continuation token");
    }
  }
}
