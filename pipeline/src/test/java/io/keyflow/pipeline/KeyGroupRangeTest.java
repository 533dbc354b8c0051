package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KeyGroupRangeTest {

  @Test
  void containsTheFirstKeyGroupButNotTheEnd() {
    KeyGroupRange range = new KeyGroupRange(4, 8);
    assertThat(range.contains(3)).isFalse();
    assertThat(range.contains(4)).isTrue();
    assertThat(range.contains(7)).isTrue();
    assertThat(range.contains(8)).isFalse();
    assertThat(range.size()).isEqualTo(4);
  }

  @Test
  void streamsItsKeyGroupsInOrder() {
    assertThat(new KeyGroupRange(128, 130).keyGroups().toArray()).containsExactly(128, 129);
    assertThat(KeyGroupRange.all(3).keyGroups().toArray()).containsExactly(0, 1, 2);
  }

  @Test
  void anEmptyRangeHoldsNothing() {
    KeyGroupRange empty = new KeyGroupRange(5, 5);
    assertThat(empty.isEmpty()).isTrue();
    assertThat(empty.size()).isZero();
    assertThat(empty.contains(5)).isFalse();
    assertThat(empty.keyGroups().count()).isZero();
  }

  @Test
  void refusesANegativeOrBackwardRange() {
    assertThatThrownBy(() -> new KeyGroupRange(-1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new KeyGroupRange(3, 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
