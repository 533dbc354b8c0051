package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateCodecTest {

  enum Color { RED, GREEN }

  record Inner(String name, Color color, List<Long> values) {}

  record Outer(int small, long big, double ratio, boolean flag, Inner inner, Map<Long, Inner> byId,
      Set<String> tags, long[] raw) {}

  /** A plain state class: public fields and a public no-argument constructor. */
  public static final class Plain {
    public String label;
    public Map<Color, Integer> counts;
    public transient String ignored = "x";
  }

  @Test
  void recordsWithNestedTypesRoundTripThroughTheNeutralTree() {
    Outer value = new Outer(7, Long.MAX_VALUE, 0.25, true, new Inner("n", Color.GREEN, List.of(1L, 2L)),
        Map.of(3L, new Inner("m", Color.RED, List.of())), Set.of("a"), new long[] {4, 5});
    Object tree = StateCodec.encode(value);
    assertThat(tree).isEqualTo(Map.of("small", 7L, "big", Long.MAX_VALUE, "ratio", 0.25, "flag", true,
        "inner", Map.of("name", "n", "color", "GREEN", "values", List.of(1L, 2L)),
        "byId", Map.of("3", Map.of("name", "m", "color", "RED", "values", List.of())),
        "tags", List.of("a"), "raw", List.of(4L, 5L)));
    Outer back = StateCodec.decode(tree, Outer.class);
    assertThat(back).usingRecursiveComparison().isEqualTo(value);
  }

  @Test
  void numbersOfAnyWidthDecodeToTheDeclaredType() {
    // what a CBOR round trip may hand back: Integer for a small long, Long for an int
    Map<String, Object> tree = Map.of("small", 7L, "big", 5, "ratio", 1, "flag", false, "tags", List.of(), "raw", List.of(1));
    Outer back = StateCodec.decode(tree, Outer.class);
    assertThat(back.big()).isEqualTo(5L);
    assertThat(back.ratio()).isEqualTo(1.0);
    assertThat(back.raw()).containsExactly(1L);
  }

  @Test
  void plainClassesKeepTheirPublicFieldsAndSkipTransientOnes() {
    Plain p = new Plain();
    p.label = "l";
    p.counts = Map.of(Color.RED, 3);
    Object tree = StateCodec.encode(p);
    assertThat(tree).isEqualTo(Map.of("label", "l", "counts", Map.of("RED", 3L)));
    Plain back = StateCodec.decode(tree, Plain.class);
    assertThat(back.label).isEqualTo("l");
    assertThat(back.counts).isEqualTo(Map.of(Color.RED, 3));
    StateCodec.check(Plain.class, "test");
  }

  record HoldsInterface(Runnable task) {}

  static class PrivateFields {
    private String hidden;
  }

  record BadMapKey(Map<Inner, String> m) {}

  @Test
  void unsupportedTypesAreRefusedWithThePathOfTheOffendingPart() {
    assertThatThrownBy(() -> StateCodec.check(HoldsInterface.class, "value state 'x'"))
        .hasMessageContaining("value state 'x'").hasMessageContaining("HoldsInterface.task")
        .hasMessageContaining("interface");
    assertThatThrownBy(() -> StateCodec.check(PrivateFields.class, "s"))
        .hasMessageContaining("PrivateFields");
    assertThatThrownBy(() -> StateCodec.check(BadMapKey.class, "s")).hasMessageContaining("map keys");
  }
}
