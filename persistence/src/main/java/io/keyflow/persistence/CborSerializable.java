package io.keyflow.persistence;

/**
 * Marker for every message, event and state type that crosses a JVM boundary or is stored:
 * bound to Pekko's Jackson CBOR serializer in this module's {@code reference.conf}.
 */
public interface CborSerializable {}
