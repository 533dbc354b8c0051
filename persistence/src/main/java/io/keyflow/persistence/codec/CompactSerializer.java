package io.keyflow.persistence.codec;

import java.io.NotSerializableException;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * What the serializers of the compact encoding ({@link CompactCodec}) share: one manifest (layout
 * name) per class, reply addresses in Pekko's own format, and the loud failures for a class it
 * cannot write, a layout this version does not know or bytes that do not decode. A subclass writes
 * and reads the fields of each layout; {@link #fromBinary} checks that a read used every byte.
 */
public abstract class CompactSerializer extends SerializerWithStringManifest {

  private final ExtendedActorSystem system;
  private final int identifier;
  private final String what;
  private final Map<Class<?>, String> manifests;
  private volatile ActorRefResolver resolver;

  /**
   * {@code system} may be null for a serializer that carries no actor refs (tests and tools);
   * {@code what} names its values in failures ("journal event", "message"); {@code manifests}: the
   * layout each class is written in.
   */
  protected CompactSerializer(ExtendedActorSystem system, int identifier, String what, Map<Class<?>, String> manifests) {
    this.system = system;
    this.identifier = identifier;
    this.what = what;
    this.manifests = Map.copyOf(manifests);
  }

  @Override
  public final int identifier() {
    return identifier;
  }

  @Override
  public final String manifest(Object o) {
    String manifest = manifests.get(o.getClass());
    if (manifest == null) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " cannot write " + o.getClass().getName());
    }
    return manifest;
  }

  @Override
  public final byte[] toBinary(Object o) {
    CompactOut out = new CompactOut();
    write(manifest(o), o, out);
    return out.bytes();
  }

  @Override
  public final Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (!manifests.containsValue(manifest)) {
      throw unknownLayout(what, manifest);
    }
    CompactIn in = new CompactIn(bytes);
    try {
      Object value = read(manifest, in);
      in.end();
      return value;
    } catch (IndexOutOfBoundsException | IllegalStateException e) {
      throw corrupt(what, manifest, bytes.length, e);
    }
  }

  /** Writes {@code o}'s fields in the layout {@code manifest} (one of this serializer's). */
  protected abstract void write(String manifest, Object o, CompactOut out);

  /** Reads a value of the layout {@code manifest}; out-of-range or inconsistent bytes throw. */
  protected abstract Object read(String manifest, CompactIn in);

  /** Turns typed actor refs into strings and back (for reply addresses). */
  protected final ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  /** The failure for a layout this version does not know ({@code what}: "journal event", "message"). */
  private static NotSerializableException unknownLayout(String what, String manifest) {
    return new NotSerializableException(what + " layout '" + manifest
        + "' is not known to this version of Keyflow (written by a newer one?)");
  }

  /** The failure for bytes that do not decode as the layout says. */
  private static NotSerializableException corrupt(String what, String manifest, int length, RuntimeException cause) {
    NotSerializableException corrupt = new NotSerializableException(
        "corrupt " + what + " (layout " + manifest + ", " + length + " bytes): " + cause.getMessage());
    corrupt.initCause(cause);
    return corrupt;
  }
}
