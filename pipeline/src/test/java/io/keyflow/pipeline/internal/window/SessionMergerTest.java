package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SessionMergerTest {

  private static final long GAP = 10;

  private final SessionMerger merger = new SessionMerger(GAP);

  private static TreeMap<Long, WindowState> sessions(long... bounds) {
    TreeMap<Long, WindowState> sessions = new TreeMap<>();
    for (int i = 0; i < bounds.length; i += 2) {
      sessions.put(bounds[i], new WindowState(bounds[i], bounds[i + 1], 0));
    }
    return sessions;
  }

  private static List<Long> starts(List<WindowState> windows) {
    return windows.stream().map(w -> w.start).toList();
  }

  @Test
  void aRecordFarFromEveryOpenSessionOpensItsOwn() {
    SessionMerger.Merge merge = merger.sessionOf(sessions(0, 10, 100, 120), 50);
    assertThat(merge).isEqualTo(new SessionMerger.Merge(50, 60, List.of()));
  }

  @Test
  void aRecordThatBridgesTwoSessionsMergesBothIntoOne() {
    var open = sessions(0, 15, 22, 45, 100, 110);
    SessionMerger.Merge merge = merger.sessionOf(open, 14);
    assertThat(merge.start()).isEqualTo(0);
    assertThat(merge.end()).isEqualTo(45);
    assertThat(starts(merge.absorbed())).containsExactly(0L, 22L);
  }

  @Test
  void aRecordInsideASessionKeepsItsBounds() {
    SessionMerger.Merge merge = merger.sessionOf(sessions(0, 40), 12);
    assertThat(merge.start()).isEqualTo(0);
    assertThat(merge.end()).isEqualTo(40);
    assertThat(starts(merge.absorbed())).containsExactly(0L);
  }

  @Test
  void aRecordWhoseSessionCoversAnOpenOneAbsorbsIt() {
    SessionMerger.Merge merge = merger.sessionOf(sessions(5, 12), 4);
    assertThat(merge).isEqualTo(new SessionMerger.Merge(4, 14, merge.absorbed()));
    assertThat(starts(merge.absorbed())).containsExactly(5L);
  }

  @Test
  void sessionsThatTouchMergeAndOneMillisecondApartDoNot() {
    var open = sessions(100, 110);
    assertThat(merger.sessionOf(open, 110).start()).as("record at the session's end").isEqualTo(100);
    assertThat(merger.sessionOf(open, 90).end()).as("record one gap before the start").isEqualTo(110);
    assertThat(merger.sessionOf(open, 111).absorbed()).as("one past the end").isEmpty();
    assertThat(merger.sessionOf(open, 89).absorbed()).as("one more than a gap before").isEmpty();
  }

  @Test
  void applyingAMergeReplacesTheAbsorbedSessionsAndFoldsTheirContentsInStartOrder() {
    var open = sessions(0, 15, 25, 45, 100, 110);
    SessionMerger.Merge merge = merger.sessionOf(open, 15);
    WindowState merged = new WindowState(merge.start(), merge.end(), 0);
    List<String> folded = new ArrayList<>();
    SessionMerger.apply(open, merge, merged, (into, from) -> folded.add(into.start + "<-" + from.start));
    assertThat(folded).containsExactly("0<-0", "0<-25");
    assertThat(open.keySet()).containsExactly(0L, 100L);
    assertThat(open.get(0L)).isSameAs(merged);
  }

  @Test
  void aSessionWithTheSameBoundsIsStillReplacedByANewWindow() {
    var open = sessions(0, 40);
    WindowState old = open.get(0L);
    SessionMerger.Merge merge = merger.sessionOf(open, 12);
    WindowState merged = new WindowState(merge.start(), merge.end(), 0);
    SessionMerger.apply(open, merge, merged, (into, from) -> { });
    assertThat(open).containsOnlyKeys(0L);
    assertThat(open.get(0L)).isSameAs(merged).isNotSameAs(old);
  }
}
