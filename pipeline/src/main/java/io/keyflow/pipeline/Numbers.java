package io.keyflow.pipeline;

import java.math.BigDecimal;
import java.math.BigInteger;

/** One canonical representation of numbers in records and results: Long for integers, Double otherwise. */
final class Numbers {

  private Numbers() {}

  /** Long for integral values that fit, Double for everything else; null stays null. */
  static Number canonical(Number n) {
    if (n == null || n instanceof Long || n instanceof Double) {
      return n;
    }
    if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
      return n.longValue();
    }
    if (n instanceof BigInteger big && big.bitLength() < 64) {
      return big.longValue();
    }
    if (n instanceof BigDecimal dec) {
      try {
        return dec.longValueExact();
      } catch (ArithmeticException notAnExactLong) {
        return dec.doubleValue();
      }
    }
    return n.doubleValue();
  }

  /** {@link #canonical(Number)} for numbers, the value itself otherwise. */
  static Object canonicalValue(Object value) {
    return value instanceof Number n ? canonical(n) : value;
  }
}
