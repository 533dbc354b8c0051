package io.keyflow.pipeline;

import java.lang.reflect.Type;

/**
 * Keyflow's codec for user values kept in state and in outputs: keyed state, window accumulators,
 * the results of process functions. It turns a value into a <em>neutral tree</em> of {@code null},
 * {@link String}, {@link Boolean}, {@link Long}, {@link Double}, {@link java.util.List} and {@link java.util.Map} with
 * string keys — what JSON, CBOR and the journal can hold without type information — and back, guided
 * by the declared Java type.
 *
 * <p>Supported types: the neutral ones; {@code int/long/short/byte/double/float/boolean/char} and
 * their boxes; enums (by name); Java records whose components are supported (the usual choice for
 * state); {@code List}, {@code Set} and {@code Map} of supported types (map keys: strings, integral
 * numbers, booleans or enums); arrays; and plain classes with a public no-argument constructor whose
 * non-static, non-transient fields are public and supported. Anything else — an interface, a class
 * with private fields, a raw {@code Object} field inside a record — is refused by {@link #check}
 * with a message naming the offending type and path, which the runtime calls when a pipeline starts.
 *
 * <p>Decoding is lenient about number widths (a CBOR round trip may return an Integer for a Long).
 *
 * <p>This class is the codec's contract; its type check, encoder and decoder live in
 * this package, package-private: {@code StateTypeCheck}, {@code StateEncoder}, {@code StateDecoder}.
 */
public final class StateCodec {

  private StateCodec() {}

  /** Thrown when a type cannot be kept in state; the message names the type and where it was found. */
  public static final class UnsupportedTypeException extends IllegalArgumentException {
    public UnsupportedTypeException(String message) {
      super(message);
    }
  }

  /** Refuses, with a clear message, a type this codec cannot round-trip; {@code what} names its use. */
  public static void check(Type type, String what) {
    StateTypeCheck.check(type, what);
  }

  /** The neutral tree of {@code value}. */
  public static Object encode(Object value) {
    return StateEncoder.encode(value);
  }

  /** The value of declared type {@code type} whose neutral tree is {@code tree}. */
  @SuppressWarnings("unchecked")
  public static <T> T decode(Object tree, Type type) {
    return (T) StateDecoder.decodeAny(tree, type);
  }

  /** A neutral tree with canonical numbers and mutable, insertion-ordered containers. */
  public static Object neutral(Object tree) {
    return StateEncoder.neutral(tree);
  }

  /** The text a map key is stored under. */
  public static String encodeKey(Object key) {
    return StateEncoder.encodeKey(key);
  }

  /** The map key of type {@code type} stored under {@code text}. */
  public static Object decodeKey(String text, Type type) {
    return StateDecoder.decodeKey(text, type);
  }
}
