package io.keyflow.persistence;

import java.util.function.IntConsumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;

/**
 * Serializes the key-group state the moment a snapshot is taken. The state is mutable (changed in
 * place by the event handler) and the snapshot store serializes later, on its own thread: handing it
 * the live object would let events applied after the snapshot's sequence number leak into it, and a
 * recovery would then apply them twice. Found by the chaos suite's Cassandra restart scenario.
 *
 * <p>{@link FrozenState} is stored under its class name: this class keeps its name and package.
 */
public final class FrozenSnapshotAdapter implements SnapshotAdapter<KeyGroupState> {

  /** The state's bytes, as its own serializer wrote them at snapshot time. */
  public record FrozenState(int serializerId, String manifest, byte[] bytes) implements CborSerializable {}

  private final Serialization serialization;
  private final IntConsumer sizeObserver;

  public FrozenSnapshotAdapter(ActorSystem<?> system) {
    this(system, size -> { });
  }

  /** {@code sizeObserver} learns the byte size of every snapshot frozen (known here at no cost). */
  public FrozenSnapshotAdapter(ActorSystem<?> system, IntConsumer sizeObserver) {
    this.serialization = SerializationExtension.get(system);
    this.sizeObserver = sizeObserver;
  }

  @Override
  public Object toJournal(KeyGroupState state) {
    var serializer = serialization.findSerializerFor(state);
    byte[] bytes = serialization.serialize(state).get();
    sizeObserver.accept(bytes.length);
    return new FrozenState(serializer.identifier(), Serializers.manifestFor(serializer, state), bytes);
  }

  @Override
  public KeyGroupState fromJournal(Object from) {
    if (from instanceof FrozenState frozen) {
      return (KeyGroupState) serialization.deserialize(frozen.bytes(), frozen.serializerId(), frozen.manifest()).get();
    }
    return (KeyGroupState) from;
  }
}
