package io.keyflow.persistence.codec;

import java.io.NotSerializableException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * What the serializers of the compact encoding ({@link CompactCodec}) share: reply addresses in Pekko's
 * own format, and the loud failures for a layout this version does not know or bytes that do not
 * decode.
 */
public abstract class CompactSerializer extends SerializerWithStringManifest {

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  /** {@code system} may be null for a serializer that carries no actor refs (tests and tools). */
  protected CompactSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

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
  protected static NotSerializableException unknownLayout(String what, String manifest) {
    return new NotSerializableException(what + " layout '" + manifest
        + "' is not known to this version of Keyflow (written by a newer one?)");
  }

  /** The failure for bytes that do not decode as the layout says. */
  protected static NotSerializableException corrupt(String what, String manifest, int length, RuntimeException cause) {
    NotSerializableException corrupt = new NotSerializableException(
        "corrupt " + what + " (layout " + manifest + ", " + length + " bytes): " + cause.getMessage());
    corrupt.initCause(cause);
    return corrupt;
  }
}
